//! Device platform from the `User-Agent`. Only the platform is kept; the
//! user agent itself is never logged or stored.

use schemas::publish::Platform;

/// `android` if the lower-cased user agent contains `android`; `ios` if it contains `iphone`, or
/// both `bluetoothd` and `cfnetwork`; otherwise unknown.
pub fn detect(user_agent: &str) -> Platform {
    let ua = user_agent.to_lowercase();
    if ua.contains("android") {
        Platform::Android
    } else if ua.contains("iphone") || (ua.contains("bluetoothd") && ua.contains("cfnetwork")) {
        Platform::Ios
    } else {
        Platform::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_rules() {
        assert_eq!(
            detect("Dalvik/2.1.0 (Linux; U; Android 11; Pixel 5)"),
            Platform::Android
        );
        assert_eq!(
            detect("ExposureApp/1 CFNetwork/1220 Darwin/20.3.0 iPhone"),
            Platform::Ios
        );
        assert_eq!(
            detect("bluetoothd (unknown version) CFNetwork/1220.1 Darwin/20.3.0"),
            Platform::Ios
        );
        assert_eq!(detect("bluetoothd"), Platform::Unknown);
        assert_eq!(detect("some unknown user agent"), Platform::Unknown);
        assert_eq!(detect(""), Platform::Unknown);
        // Android wins over iPhone.
        assert_eq!(detect("android iphone"), Platform::Android);
    }
}
