//! `spawn_app`: one server per test, own temp dir, own port, own database.

use candor::config::Settings;
use candor::startup::Application;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// Which storage backend a test app runs on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL as well when `CANDOR_TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    if std::env::var("CANDOR_TEST_DATABASE_URL").is_ok() {
        b.push(Backend::Postgres);
    }
    b
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// The app's own storage, for setting up accounts and checking what it kept.
    pub store: std::sync::Arc<dyn candor::storage::Store>,
    /// Kept so the data dir lives as long as the app.
    _data_dir: TempDir,
}

pub fn sample_knowledge() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

/// A fresh PostgreSQL database for one test app, so tests never share state.
pub async fn fresh_pg_database() -> String {
    use sqlx::Connection;
    let admin = std::env::var("CANDOR_TEST_DATABASE_URL").expect("CANDOR_TEST_DATABASE_URL");
    let name = format!("candor_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to test PostgreSQL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let (base, _) = admin
        .rsplit_once('/')
        .expect("database URL with a database name");
    format!("{base}/{name}")
}

/// Settings for a test app: its own data dir, port 0, no rate limit unless asked.
pub async fn test_settings(backend: Backend, data_dir: &Path) -> Settings {
    let mut s = Settings::with_dirs(data_dir, &sample_knowledge());
    s.bind = "127.0.0.1:0".into();
    s.rate_limit = 0;
    if backend == Backend::Postgres {
        s.database_url = Some(fresh_pg_database().await);
    }
    s
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let settings = test_settings(backend, data_dir.path()).await;
    spawn_with(settings, data_dir, backend).await
}

/// A test app with some settings changed from the test defaults.
pub async fn spawn_configured(backend: Backend, change: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(backend, data_dir.path()).await;
    change(&mut settings);
    spawn_with(settings, data_dir, backend).await
}

pub async fn spawn_with(settings: Settings, data_dir: TempDir, backend: Backend) -> TestApp {
    let app = Application::build(settings).await.expect("build app");
    let store = app.store();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let _ = backend;
    let app = TestApp {
        address,
        client: reqwest::Client::new(),
        store,
        _data_dir: data_dir,
    };
    app.wait_for_the_model().await;
    app
}

/// A conversation as the visitor holds it.
pub struct Conv {
    pub id: String,
    pub token: String,
    pub body: Value,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A GET without credentials whose body must be JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        r.json().await.expect("a JSON body")
    }

    /// With the embedding model on, the server starts before the help centre is embedded
    /// (`/readyz` says "warming"): tests of the model wait until it is "ready".
    pub async fn wait_for_the_model(&self) {
        for _ in 0..600 {
            let r = self.get_json("/readyz").await;
            if r["embedding"] != "warming" {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the embedding model was still warming up after 60 s");
    }

    /// Records the visitor's consent choice for a conversation.
    pub async fn consent(&self, c: &Conv, keep: bool) -> reqwest::Response {
        let url = self.url(&format!("/api/v1/conversations/{}/consent", c.id));
        self.client
            .put(url)
            .bearer_auth(&c.token)
            .json(&json!({"keep_transcript": keep}))
            .send()
            .await
            .unwrap()
    }

    /// The body of a public page.
    pub async fn page(&self, path: &str) -> String {
        let res = self.client.get(self.url(path)).send().await.unwrap();
        res.text().await.unwrap()
    }

    pub async fn create(&self, locale: Option<&str>) -> Conv {
        let body = match locale {
            Some(l) => json!({ "locale": l }),
            None => json!({}),
        };
        let res = self
            .client
            .post(self.url("/api/v1/conversations"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "create conversation");
        let body: Value = res.json().await.unwrap();
        Conv {
            id: body["id"].as_str().unwrap().to_string(),
            token: body["token"].as_str().unwrap().to_string(),
            body,
        }
    }

    pub async fn post_message(&self, c: &Conv, text: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/conversations/{}/messages", c.id)))
            .bearer_auth(&c.token)
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap()
    }

    /// Asks a question and returns the 200 body.
    pub async fn ask(&self, c: &Conv, text: &str) -> Value {
        let res = self.post_message(c, text).await;
        assert_eq!(res.status(), 200, "ask {text:?}");
        res.json().await.unwrap()
    }

    /// The visitor's vote on a reply (`{"helpful", "comment"?}`).
    pub async fn vote(&self, c: &Conv, message_id: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.url(&format!(
                "/api/v1/conversations/{}/messages/{message_id}/feedback",
                c.id
            )))
            .bearer_auth(&c.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, c: &Conv, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&c.token)
            .send()
            .await
            .unwrap()
    }

    /// The why record of a bot reply (a message as the API returns it).
    pub async fn why(&self, c: &Conv, reply: &Value) -> Value {
        let res = self.get(c, reply["why_url"].as_str().unwrap()).await;
        assert_eq!(res.status(), 200, "{reply}");
        res.json().await.unwrap()
    }

    pub async fn transcript(&self, c: &Conv) -> Value {
        let res = self
            .get(c, &format!("/api/v1/conversations/{}", c.id))
            .await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }
}

/// The article the reply cites first, if it answered.
pub fn cited(body: &Value) -> Option<String> {
    let reply = &body["reply"];
    if reply["kind"] != "answer" {
        return None;
    }
    reply["citations"][0]["article_id"]
        .as_str()
        .map(String::from)
}

impl TestApp {
    /// Creates a console user and signs in; returns the API token.
    pub async fn agent(&self, name: &str, role: &str) -> String {
        let email = format!("{}@shop.example", name.to_lowercase());
        candor::handoff::accounts::add_user(
            self.store.as_ref(),
            &email,
            name,
            role,
            "correct horse battery",
            "test setup",
        )
        .await
        .expect("add user");
        let res = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// GET a console route with a token: the status and the JSON body (every answer of the
    /// API, errors included, is JSON).
    pub async fn agent_get(&self, token: &str, path: &str) -> (u16, Value) {
        let res = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (
            res.status().as_u16(),
            res.json().await.expect("a JSON body"),
        )
    }

    /// PUT to a console route with a token.
    pub async fn agent_put(&self, token: &str, path: &str, body: Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// A console page (HTML), signed in with a token or not: the status and the body.
    pub async fn console_page(&self, token: Option<&str>, path: &str) -> (u16, String) {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// POST to an agent route with a token.
    pub async fn agent_post(&self, token: &str, path: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }
}

/// One group of the equity report's JSON (`dimension` "language", "site" or "channel").
pub fn report_group(report: &Value, dimension: &str, group: &str) -> Value {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["dimension"] == dimension && g["group"] == group)
        .unwrap_or_else(|| panic!("no {dimension} group {group} in {report}"))
        .clone()
}

/// An open event stream (the console's or a visitor's), read as text.
pub struct Events(
    pub std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<Vec<u8>>> + Send>>,
);

impl Events {
    pub async fn open(app: &TestApp, path: &str, token: &str) -> Events {
        let res = app
            .client
            .get(app.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        Events(Box::pin(res.bytes_stream().map(|r| r.map(|b| b.to_vec()))))
    }

    /// The visitor's live stream of `c`, read up to its first status event: from there on
    /// it follows the conversation (and marks the visitor present).
    pub async fn visitor(app: &TestApp, c: &Conv) -> Events {
        let path = format!("/api/v1/conversations/{}/events", c.id);
        let mut events = Events::open(app, &path, &c.token).await;
        events
            .until("event: status", "the visitor's first status event")
            .await;
        events
    }

    /// What arrives until `what` did, each chunk within 5 s (else panics saying `why`).
    pub async fn until(&mut self, what: &str, why: &str) -> String {
        let mut seen = String::new();
        while !seen.contains(what) {
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), self.0.next())
                .await
                .expect(why);
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
        }
        seen
    }
}
