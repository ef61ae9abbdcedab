//! Signing in to the admin console over plain HTTP (a client that does not follow redirects).

/// A client that shows redirects instead of following them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn cookie_of(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// Signs in at `url` with admin token `token`; returns the session cookie.
pub async fn sign_in(http: &reqwest::Client, url: &str, token: &str) -> String {
    let form = http.get(format!("{url}/login")).send().await.unwrap();
    let login_cookie = cookie_of(&form, "en_admin_login").expect("sign-in cookie");
    let page = form.text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("a csrf field") + marker.len();
    let csrf = &page[start..start + 64];
    let signed = http
        .post(format!("{url}/login"))
        .header("cookie", &login_cookie)
        .form(&[
            ("csrf", csrf),
            ("operator", ""),
            ("secret", token),
            ("next", "/console"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), reqwest::StatusCode::SEE_OTHER);
    cookie_of(&signed, "en_admin_session").expect("session cookie")
}
