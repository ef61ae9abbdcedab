//! A real headless Chromium for the console tests, driven over WebDriver with `fantoccini`.
//!
//! Each [`Browser`] starts its own `chromedriver` on a free port and a Chromium with a fresh
//! profile directory (removed afterwards), so tests share nothing. The binaries are Debian's
//! `chromium` and `chromium-driver`, installed by `dev/test` (`dev/lib.sh`, `ensure_packages`);
//! `CHROMIUM_BIN` / `CHROMEDRIVER_BIN` override their paths. A missing browser fails the test.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use harness::process::free_port;
use harness::wait_for;
use serde_json::json;
use tokio::process::{Child, Command};

/// Size of the window, which is also the size of the screenshots.
pub const WINDOW: (u32, u32) = (1120, 760);

/// A browser session and the chromedriver behind it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

fn binary(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium.
    pub async fn start() -> Self {
        let chromium = binary("CHROMIUM_BIN", "/usr/bin/chromium");
        let chromedriver = binary("CHROMEDRIVER_BIN", "chromedriver");
        assert!(
            std::path::Path::new(&chromium).exists(),
            "{chromium} is missing: run ./dev/test, which installs Debian's chromium and chromium-driver"
        );
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {chromedriver}: {e}: run ./dev/test, which installs chromium-driver")
            });
        let url = format!("http://127.0.0.1:{port}");
        harness::wait_ok(&format!("{url}/status"), Duration::from_secs(30)).await;

        let profile =
            std::env::temp_dir().join(format!("console-chromium-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&profile).unwrap();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                    "--disable-sync",
                    "--hide-scrollbars",
                    "--force-device-scale-factor=1",
                    // Grey-scale text compresses far better in the screenshots.
                    "--disable-lcd-text",
                    format!("--user-data-dir={}", profile.display()),
                    format!("--window-size={},{}", WINDOW.0, WINDOW.1),
                ],
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        // Two TLS back-ends are linked in (reqwest's ring, fantoccini's aws-lc-rs), so rustls
        // cannot pick one by itself; WebDriver runs over plain HTTP on loopback anyway.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = ClientBuilder::rustls()
            .unwrap()
            .capabilities(capabilities)
            .connect(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot open a Chromium session: {e}"));
        client.set_window_size(WINDOW.0, WINDOW.1).await.unwrap();
        Self {
            client,
            driver,
            profile,
        }
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// The path (and query) of the current page.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Waits until the page heading starts with `prefix` (after a click that navigates).
    pub async fn wait_heading(&self, prefix: &str) {
        let client = self.client.clone();
        let wanted = prefix.to_owned();
        wait_for(
            Duration::from_secs(15),
            &format!("a page titled {prefix:?}"),
            move || {
                let client = client.clone();
                let wanted = wanted.clone();
                async move {
                    let heading = match client.find(Locator::Css("h1")).await {
                        Ok(h1) => h1.text().await.unwrap_or_default(),
                        Err(_) => String::new(),
                    };
                    heading.starts_with(&wanted).then_some(())
                }
            },
        )
        .await;
    }

    /// Waits until an element matching `css` contains `text` (a page that keeps its heading).
    pub async fn wait_text(&self, css: &str, text: &str) {
        let client = self.client.clone();
        let (css, wanted) = (css.to_owned(), text.to_owned());
        wait_for(
            Duration::from_secs(15),
            &format!("{text:?} in {css}"),
            move || {
                let client = client.clone();
                let (css, wanted) = (css.clone(), wanted.clone());
                async move {
                    for element in client.find_all(Locator::Css(&css)).await.ok()? {
                        if element.text().await.unwrap_or_default().contains(&wanted) {
                            return Some(());
                        }
                    }
                    None
                }
            },
        )
        .await;
    }

    /// Types `value` into the field named `name` (replacing what it holds).
    pub async fn fill(&self, name: &str, value: &str) {
        let field = self
            .client
            .find(Locator::Css(&format!("[name=\"{name}\"]")))
            .await
            .unwrap_or_else(|e| panic!("no field {name}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// The current value of the field named `name`.
    pub async fn value(&self, name: &str) -> String {
        self.client
            .find(Locator::Css(&format!("[name=\"{name}\"]")))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.click_on(Locator::Css(css), css).await;
    }

    /// Clicks the button or link whose text is `label`.
    pub async fn click_text(&self, label: &str) {
        let xpath = format!("//*[(self::button or self::a) and normalize-space()='{label}']");
        let what = format!("button or link {label:?}");
        self.click_on(Locator::XPath(&xpath), &what).await;
    }

    /// Clicks the button or link `label` and waits for the page whose heading starts with
    /// `heading`.
    pub async fn follow(&self, label: &str, heading: &str) {
        self.click_text(label).await;
        self.wait_heading(heading).await;
    }

    async fn click_on(&self, locator: Locator<'_>, what: &str) {
        self.client
            .find(locator)
            .await
            .unwrap_or_else(|e| panic!("no {what}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Saves a screenshot as `target/screenshots/<name>.png` (ignored by git; tests never write
    /// tracked files). `./dev/refresh-screenshots` copies them into `docs/screenshots/` on
    /// purpose when a page's look changed.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = harness::repo_root().join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Ends the session and stops chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.start_kill();
        let _ = self.driver.wait().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
