//! Building uploads: fresh random keys, one per past day, a signed certificate over them, and
//! padding, so that no two request bodies are alike.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::Rng as _;
use schemas::api::{ExposureKey, PublishRequest};

use crate::certificate::Issuer;

/// Ten-minute intervals in a day.
const INTERVALS_PER_DAY: i32 = 144;

/// An accepted upload that may be revised later.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub app: String,
    pub keys: Vec<ExposureKey>,
    pub revision_token: String,
}

/// `count` fresh keys: today's and one per earlier day, with random transmission risks.
pub fn fresh_keys(count: usize) -> Vec<ExposureKey> {
    let mut rng = rand::thread_rng();
    let now = chrono::Utc::now().timestamp();
    let today = i32::try_from(now / 86_400 * 144).unwrap_or(i32::MAX);
    (0..count)
        .map(|day| {
            let mut bytes = [0u8; 16];
            rng.fill(&mut bytes);
            ExposureKey {
                key: STANDARD.encode(bytes),
                rolling_start_number: today - i32::try_from(day).unwrap_or(0) * INTERVALS_PER_DAY,
                rolling_period: INTERVALS_PER_DAY,
                transmission_risk: rng.gen_range(0..=8),
            }
        })
        .collect()
}

/// A signed publish request for `keys` with report type `report_type`.
pub fn request(
    issuer: &Issuer,
    app: &str,
    keys: Vec<ExposureKey>,
    report_type: &str,
    revision_token: String,
) -> anyhow::Result<PublishRequest> {
    let mut secret = [0u8; 32];
    rand::thread_rng().fill(&mut secret);
    let certificate = issuer.sign(&issuer.claims(report_type, &keys, &secret))?;
    Ok(PublishRequest {
        temporary_exposure_keys: keys,
        health_authority_id: app.to_owned(),
        verification_payload: certificate,
        hmac_key: STANDARD.encode(secret),
        symptom_onset_interval: 0,
        traveler: false,
        revision_token,
        padding: padding(),
    })
}

/// A chaff body: shaped like an upload (random keys and a certificate-sized random string), never
/// signed, sent with `X-Chaff: 1`.
pub fn chaff(app: &str, count: usize) -> PublishRequest {
    let mut rng = rand::thread_rng();
    let mut fake = vec![0u8; 380];
    rng.fill(fake.as_mut_slice());
    let mut secret = [0u8; 32];
    rng.fill(&mut secret);
    PublishRequest {
        temporary_exposure_keys: fresh_keys(count),
        health_authority_id: app.to_owned(),
        verification_payload: STANDARD.encode(fake),
        hmac_key: STANDARD.encode(secret),
        symptom_onset_interval: 0,
        traveler: false,
        revision_token: String::new(),
        padding: padding(),
    }
}

/// Random padding of 0–1 KiB, as apps add to hide the number of keys.
fn padding() -> String {
    let mut rng = rand::thread_rng();
    let mut bytes = vec![0u8; rng.gen_range(0..=1024)];
    rng.fill(bytes.as_mut_slice());
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fresh_one_per_day_and_valid() {
        let a = fresh_keys(14);
        let b = fresh_keys(14);
        assert_eq!(a.len(), 14);
        assert!(a
            .iter()
            .all(|k| STANDARD.decode(&k.key).unwrap().len() == 16));
        assert!(a.iter().all(|k| (0..=8).contains(&k.transmission_risk)));
        assert!(a
            .windows(2)
            .all(|w| w[0].rolling_start_number - w[1].rolling_start_number == 144));
        assert!(a.iter().zip(&b).all(|(x, y)| x.key != y.key));
    }

    #[test]
    fn requests_are_signed_and_never_alike() {
        let issuer = Issuer::generate("i", "a", "v1").unwrap();
        let keys = fresh_keys(3);
        let one = request(&issuer, "app", keys.clone(), "likely", String::new()).unwrap();
        let two = request(&issuer, "app", keys, "likely", String::new()).unwrap();
        assert_ne!(one.verification_payload, two.verification_payload);
        assert_ne!(one.hmac_key, two.hmac_key);
        assert_eq!(
            jsonwebtoken::decode_header(&one.verification_payload)
                .unwrap()
                .kid
                .as_deref(),
            Some("v1")
        );
    }
}
