//! Builds the application from settings and runs it until SIGTERM or Ctrl-C.

use crate::config::Settings;
use crate::conversation::disclosure::Disclosures;
use crate::conversation::service::Assistant;
use crate::http::{self, ratelimit::RateLimiter, AppState};
use crate::knowledge::{loader, KnowledgeIndex};
use crate::metrics::Metrics;
use crate::privacy::redact::Redactor;
use crate::privacy::retention::{self, RetentionSettings};
use crate::storage;
use actix_cors::Cors;
use actix_web::{dev::Server, middleware, web, App, HttpServer};
use anyhow::Context;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// A bound, ready-to-run server.
pub struct Application {
    server: Server,
    port: u16,
    assistant: Arc<Assistant>,
    retention: RetentionSettings,
    /// Held while the server runs: one server per data dir (see `lock_data_dir`).
    _data_dir_lock: std::fs::File,
}

impl Application {
    /// Loads the knowledge base, opens storage and binds (port 0 picks a free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        // The port first: a second `candor serve` started by mistake (or a new version while
        // the old one still runs) must stop here, before it migrates the database the running
        // server uses or writes a settings entry to its audit log.
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating data dir {}", settings.data_dir.display()))?;
        let data_dir_lock = lock_data_dir(&settings.data_dir)?;
        let index = load_knowledge(&settings).await?;
        let store = storage::connect(settings.database_url.as_deref(), &settings.data_dir).await?;
        let assistant = Arc::new(Assistant {
            store,
            index,
            disclosures: Disclosures::new(&settings.disclosure, &settings.retention),
            threshold: settings.threshold,
            metrics: Arc::new(Metrics::default()),
            redactor: Redactor::new(&settings.redaction).context("compiling redaction patterns")?,
            hub: match settings.database_url.as_deref() {
                Some(url) if url.starts_with("postgres") => {
                    storage::postgres::share_hub(url).await?
                }
                _ => Arc::new(crate::realtime::Hub::default()),
            },
            rules: settings.handoff.clone(),
        });
        // Articles edited in the console (in the database) override files with the same id.
        let edited =
            crate::knowledge::editor::load_all(assistant.store.as_ref(), &assistant.index).await?;
        tracing::info!(
            articles = edited,
            "edited articles loaded from the database"
        );
        crate::knowledge::editor::load_synonyms(assistant.store.as_ref(), &assistant.index).await?;
        load_embedding_model(&settings.embedding, &settings.data_dir, &assistant.index).await?;
        tokio::spawn(follow_knowledge(assistant.clone()));
        let sample = settings.privacy.sample_fields();
        if !sample.is_empty() {
            tracing::warn!(
                fields = ?sample,
                "the privacy notice at /privacy still names the sample shop for these: set them in [privacy] before going live"
            );
        }
        let summary = settings_summary(&settings, &assistant.disclosures.version);
        crate::audit::record_settings(assistant.store.as_ref(), &summary).await?;
        let state = web::Data::new(AppState {
            assistant: assistant.clone(),
            limiter: RateLimiter::new(settings.rate_limit, settings.client_ip_header.clone()),
            login_limiter: RateLimiter::new(10, None),
            typing_limiter: RateLimiter::new(30, None),
            canned_replies: settings.canned_replies.clone(),
            disparity_points: settings.disparity_points,
            metrics: http::ops::MetricsAccess::new(
                settings.metrics_token.as_deref(),
                settings.client_ip_header.is_some(),
            ),
            privacy: http::PrivacyInfo {
                contacts: settings.privacy.clone(),
                retention: settings.retention,
            },
            transparency: crate::audit::transparency::SummaryCache::new(60_000),
            equity_gauges: crate::audit::recent::Recent::new(60_000),
        });
        let local = listener.local_addr()?;
        let port = local.port();
        let origins = settings.widget_origins.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(middleware::from_fn(http::panics::catch_panics))
                .wrap(middleware::from_fn(http::methods::methods))
                .wrap(middleware::from_fn(http::nul::refuse_nul))
                .wrap(middleware::from_fn(http::security::headers))
                .wrap(cors(&origins))
                .wrap(middleware::from_fn(http::logging::log_requests))
                .configure(http::configure(state.clone()))
        })
        .disable_signals()
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        // The message stays "candor listening" (scripts wait for it); the fields say where to go.
        tracing::info!(
            port,
            demo = %format!("http://{local}/"),
            console = %format!("http://{local}/agent"),
            operators = %format!("http://{local}/operator"),
            "candor listening"
        );
        Ok(Application {
            server,
            port,
            assistant,
            retention: settings.retention,
            _data_dir_lock: data_dir_lock,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's own storage: what a test (or an embedding program) writes through it is
    /// seen at once by the server's next read, with no second pool and its snapshot races.
    pub fn store(&self) -> Arc<dyn crate::storage::Store> {
        self.assistant.store.clone()
    }

    /// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        tokio::spawn(purge_loop(self.assistant.clone(), self.retention));
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutting down gracefully");
            handle.stop(true).await;
        });
        self.server.await
    }
}

/// Applies articles published on any instance (topic `kb:<id>`) to this instance's index.
async fn follow_knowledge(assistant: Arc<Assistant>) {
    let mut sub = assistant.hub.subscribe();
    loop {
        match sub.recv().await {
            Ok(topic) => {
                if let Some(id) = topic.strip_prefix("kb:") {
                    let store = assistant.store.as_ref();
                    if let Err(e) =
                        crate::knowledge::editor::sync(store, &assistant.index, id).await
                    {
                        tracing::warn!(error = %e, "could not apply an edited article");
                    }
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(_) => return,
        }
    }
}

/// The settings that shape what visitors get, as recorded in the audit log.
fn settings_summary(s: &Settings, disclosure_version: &str) -> String {
    let r = &s.retention;
    let e = &s.embedding;
    let mut embedding = match &e.model_dir {
        Some(_) => format!(
            " embedding=consult_below:{}/answer_from:{}",
            e.consult_below, e.answer_from
        ),
        None => String::new(),
    };
    if e.precision != "fast" && (e.model_dir.is_some() || e.fr.model_dir.is_some()) {
        embedding += &format!(" embedding_precision={}", e.precision);
    }
    if e.fr.model_dir.is_some() {
        embedding += &format!(
            " embedding_fr=consult_below:{}/answer_from:{}",
            e.fr.consult_below, e.fr.answer_from
        );
    }
    if e.second_opinion && e.model_dir.is_some() && e.fr.model_dir.is_some() {
        embedding += " embedding_second_opinion=en";
    }
    format!(
        "threshold={} disclosure={} after_declines={} handoff_tags={:?} handoff_articles={:?} \
         retention_days={}/{}/{}/{} redaction_disabled={:?} redaction_patterns={} disparity_points={}{embedding}",
        s.threshold,
        disclosure_version,
        s.handoff.after_declines,
        s.handoff.tags,
        s.handoff.articles,
        r.transcript_days,
        r.transcript_days_without_consent,
        r.why_record_days,
        r.contact_days,
        s.redaction.disable,
        s.redaction.patterns.len(),
        s.disparity_points
    )
}

/// Turns on the optional embedding models (English, French); a configured but missing
/// directory is reported and that language runs on lexical search alone.
async fn load_embedding_model(
    settings: &crate::config::EmbeddingSettings,
    data_dir: &std::path::Path,
    index: &Arc<KnowledgeIndex>,
) -> anyhow::Result<()> {
    let cache = data_dir.join("embeddings");
    let settings = settings.clone();
    let semantic = tokio::task::spawn_blocking(move || {
        let semantic = crate::knowledge::semantic::Semantic::from_settings(&settings)?
            .map(|s| s.with_cache(&cache))
            .transpose();
        give_back_freed_memory();
        semantic
    })
    .await??;
    let Some(semantic) = semantic else {
        return Ok(());
    };
    // Embedding the help centre can take a while on the first start (vectors are cached
    // for the next ones): the server starts now and answers from the words meanwhile. A
    // plain thread, so that a shutdown does not wait for it.
    let index = index.clone();
    std::thread::Builder::new()
        .name("embedding-warm-up".into())
        .spawn(move || index.set_semantic(semantic))?;
    Ok(())
}

/// Returns to the system the memory a model's loading freed. Loading reads the model file
/// and expands each layer's weights to floats before quantizing them; glibc's allocator
/// keeps much of what is freed (its mmap threshold rises after the first large free).
/// Measured when loading still expanded every layer at once: with both models the server
/// held ~210 MB without this call, ~190 MB with it.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Takes the data dir for this server alone. Its search index is rebuilt in place when the
/// help centre changed, so a second server on the same dir (another port, a second instance
/// meant for PostgreSQL) would delete the index the first one reads, or stop on the index's
/// own lock with a message naming neither. The lock goes with the process, even on kill -9.
fn lock_data_dir(dir: &std::path::Path) -> anyhow::Result<std::fs::File> {
    use std::io::{Read, Seek, Write};
    let path = dir.join("candor.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            anyhow::bail!(
                "the data dir {} is in use by another Candor server (process {}): stop it, or give \
                 this one its own --data-dir (instances sharing a PostgreSQL database each need \
                 their own)",
                dir.display(),
                holder.trim()
            );
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
    file.set_len(0)?;
    file.rewind()?;
    write!(file, "{}", std::process::id())?;
    Ok(file)
}

async fn load_knowledge(settings: &Settings) -> anyhow::Result<Arc<KnowledgeIndex>> {
    let dir = settings.knowledge_dir.clone();
    let index_dir = settings.data_dir.join("index");
    tokio::task::spawn_blocking(move || {
        let report = loader::load_dir(&dir)
            .with_context(|| format!("reading knowledge dir {}", dir.display()))?;
        for p in &report.problems {
            tracing::warn!(path = %p.path.display(), reason = %p.reason, "article skipped");
        }
        Ok(Arc::new(KnowledgeIndex::open(
            &index_dir,
            &report.articles,
        )?))
    })
    .await?
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers(["content-type", "authorization"])
        .max_age(3600);
    for o in origins {
        cors = cors.allowed_origin(o);
    }
    cors
}

/// Enforces the retention periods every hour.
async fn purge_loop(assistant: Arc<Assistant>, retention: RetentionSettings) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let now = crate::conversation::now_ms();
        if let Err(e) = retention::purge(assistant.store.as_ref(), &retention, now, false).await {
            tracing::warn!(error = %e, "retention purge failed");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
