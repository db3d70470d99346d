//! Connection startup: the startup message's parameters, authentication by the first
//! matching rule ([`crate::hba`]) with trust, reject, cleartext password, MD5 or
//! SCRAM-SHA-256 ([`crate::auth`]) against the role's stored verifier, the role and
//! database checks PostgreSQL makes (28000, 28P01, 3D000), then the session: its thread,
//! its backend key (registered for CancelRequest), the startup settings, and the
//! ParameterStatus values PostgreSQL 15 reports.

use crate::auth::{check_cleartext, check_md5, AuthError, Scram};
use crate::conn::{Conn, SERVER_VERSION};
use crate::errors::fatal;
use crate::hba::{Method, Peer};
use crate::worker::SessionWorker;
use async_trait::async_trait;
use bytes::Buf;
use futures::sink::{Sink, SinkExt};
use pgwire::api::auth::{
    protocol_negotiation, save_startup_parameters_to_metadata, StartupHandler,
};
use pgwire::api::{
    ClientInfo, PgWireConnectionState, PidSecretKeyGenerator, METADATA_APPLICATION_NAME,
    METADATA_DATABASE, METADATA_USER,
};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::response::{ReadyForQuery, TransactionStatus as WireStatus};
use pgwire::messages::startup::{
    Authentication, BackendKeyData, ParameterStatus, PasswordMessageFamily,
};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use std::fmt::Debug;

/// Where a connection's authentication stands between messages.
pub(crate) enum AuthStep {
    Cleartext,
    Md5([u8; 4]),
    ScramStart,
    ScramFinal(Box<Scram>),
}

/// A login in progress: who asks, and what the server waits for.
pub(crate) struct Login {
    user: String,
    database: String,
    encoding: &'static str,
    /// The role's stored verifier, if it has one.
    stored: Option<String>,
    step: AuthStep,
}

/// The client_encoding a client asked for, as reported back; `None` if unsupported.
fn normalize_encoding(requested: &str) -> Option<&'static str> {
    let e: String = requested
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    match e.as_str() {
        "UTF8" | "UNICODE" => Some("UTF8"),
        "SQLASCII" => Some("SQL_ASCII"),
        _ => None,
    }
}

/// Startup parameters that are not settings (or are fixed by the server).
const NOT_SETTINGS: &[&str] = &[
    "user",
    "database",
    "options",
    "replication",
    "client_encoding",
    "datestyle",
    "timezone",
    "intervalstyle",
];

/// `name=value` settings from startup parameters and their `options` (`-c name=value`,
/// `--name=value`).
fn startup_settings(params: &std::collections::HashMap<String, String>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| !NOT_SETTINGS.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(options) = params.get("options") {
        let mut words = options.split_whitespace();
        while let Some(w) = words.next() {
            let setting = match w {
                "-c" => words.next(),
                w => w.strip_prefix("--").or_else(|| w.strip_prefix("-c")),
            };
            if let Some((k, v)) = setting.and_then(|s| s.split_once('=')) {
                if !NOT_SETTINGS.contains(&k.to_ascii_lowercase().as_str()) {
                    out.push((k.replace('-', "_"), v.to_owned()));
                }
            }
        }
    }
    out.retain(|(k, _)| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    });
    out.sort();
    out
}

fn auth_error(e: AuthError) -> PgWireError {
    fatal(e.sqlstate(), e.to_string())
}

fn protocol(message: &str) -> PgWireError {
    fatal("08P01", message)
}

/// A NUL-terminated string at the start of `body`.
fn cstring(body: &mut bytes::Bytes) -> PgWireResult<String> {
    let nul = body
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| protocol("invalid string in message"))?;
    let s = String::from_utf8(body.split_to(nul).to_vec())
        .map_err(|_| protocol("invalid password packet"))?;
    body.advance(1);
    Ok(s)
}

/// The body of a password-family message.
fn password_body(msg: PasswordMessageFamily) -> PgWireResult<bytes::Bytes> {
    match msg {
        PasswordMessageFamily::Raw(body) => Ok(body.freeze()),
        _ => Err(protocol("unexpected password message")),
    }
}

/// SASLInitialResponse: the mechanism and its initial data.
fn sasl_initial(mut body: bytes::Bytes) -> PgWireResult<(String, bytes::Bytes)> {
    let mechanism = cstring(&mut body)?;
    if body.len() < 4 {
        return Err(protocol("insufficient data left in message"));
    }
    let len = body.get_i32();
    let data = match usize::try_from(len) {
        Ok(n) if n == body.len() => body,
        Err(_) if len == -1 && body.is_empty() => bytes::Bytes::new(),
        _ => return Err(protocol("invalid SASL initial response length")),
    };
    Ok((mechanism, data))
}

impl Conn {
    fn take_login(&self) -> Option<Login> {
        self.login.lock().ok().and_then(|mut l| l.take())
    }

    fn put_login(&self, login: Login) {
        if let Ok(mut l) = self.login.lock() {
            *l = Some(login);
        }
    }

    /// Starts authentication for a startup message; returns the login when no password
    /// is needed.
    async fn begin_login<C>(&self, client: &mut C, mut login: Login) -> PgWireResult<Option<Login>>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let addr = client.socket_addr();
        let ssl = client.is_secure();
        let (peer, host) = if self.local {
            (Peer::Local, "[local]".to_owned())
        } else {
            let peer = Peer::Tcp {
                addr: addr.ip(),
                ssl,
            };
            (peer, addr.ip().to_string())
        };
        let encryption = if ssl {
            "SSL encryption"
        } else {
            "no encryption"
        };
        let (user, database) = (&login.user, &login.database);
        let method = self.shared.hba.method(peer, database, user).ok_or_else(|| {
            fatal(
                "28000",
                format!(
                    "no pg_hba.conf entry for host \"{host}\", user \"{user}\", database \"{database}\", {encryption}"
                ),
            )
        })?;
        let request = match method {
            Method::Trust => return Ok(Some(login)),
            Method::Reject => {
                return Err(fatal(
                    "28000",
                    format!(
                        "pg_hba.conf rejects connection for host \"{host}\", user \"{user}\", database \"{database}\", {encryption}"
                    ),
                ))
            }
            Method::Password => {
                login.step = AuthStep::Cleartext;
                Authentication::CleartextPassword
            }
            // md5 with a SCRAM verifier uses SCRAM, as in PostgreSQL.
            Method::Md5
                if !login
                    .stored
                    .as_deref()
                    .is_some_and(|s| s.starts_with("SCRAM-SHA-256$")) =>
            {
                let salt: [u8; 4] = rand::random();
                login.step = AuthStep::Md5(salt);
                Authentication::MD5Password(salt.to_vec())
            }
            Method::Md5 | Method::ScramSha256 => {
                login.step = AuthStep::ScramStart;
                Authentication::SASL(vec!["SCRAM-SHA-256".to_owned()])
            }
        };
        tracing::debug!(%user, method = method.name(), peer = %host, "authentication requested");
        self.put_login(login);
        client.set_state(PgWireConnectionState::AuthenticationInProgress);
        client
            .send(PgWireBackendMessage::Authentication(request))
            .await?;
        Ok(None)
    }

    /// Handles a password-family message; returns the login once it is authenticated.
    async fn continue_login<C>(
        &self,
        client: &mut C,
        msg: PasswordMessageFamily,
    ) -> PgWireResult<Option<Login>>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut login = self
            .take_login()
            .ok_or_else(|| protocol("unexpected password message"))?;
        let mut body = password_body(msg)?;
        let stored = login.stored.as_deref();
        let step = std::mem::replace(&mut login.step, AuthStep::Cleartext);
        match step {
            AuthStep::Cleartext => {
                let given = cstring(&mut body)?;
                check_cleartext(&login.user, stored, &given).map_err(auth_error)?;
                Ok(Some(login))
            }
            AuthStep::Md5(salt) => {
                let given = cstring(&mut body)?;
                check_md5(&login.user, stored, &salt, &given).map_err(auth_error)?;
                Ok(Some(login))
            }
            AuthStep::ScramStart => {
                let (mechanism, data) = sasl_initial(body)?;
                if mechanism != "SCRAM-SHA-256" {
                    return Err(protocol(
                        "client selected an invalid SASL authentication mechanism",
                    ));
                }
                let (scram, server_first) =
                    Scram::start(&login.user, stored, &data).map_err(auth_error)?;
                login.step = AuthStep::ScramFinal(Box::new(scram));
                self.put_login(login);
                client
                    .send(PgWireBackendMessage::Authentication(
                        Authentication::SASLContinue(server_first.into_bytes().into()),
                    ))
                    .await?;
                Ok(None)
            }
            AuthStep::ScramFinal(scram) => {
                let server_final = scram.finish(&body).map_err(auth_error)?;
                client
                    .feed(PgWireBackendMessage::Authentication(
                        Authentication::SASLFinal(server_final.into_bytes().into()),
                    ))
                    .await?;
                Ok(Some(login))
            }
        }
    }

    /// After authentication: the role and database checks, then the session.
    async fn finish_login<C>(&self, client: &mut C, login: Login) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let Login {
            user,
            database,
            encoding,
            ..
        } = login;
        let role = self
            .shared
            .db
            .role(&user)
            .ok_or_else(|| fatal("28000", format!("role \"{user}\" does not exist")))?;
        if !role.login {
            return Err(fatal(
                "28000",
                format!("role \"{user}\" is not permitted to log in"),
            ));
        }
        // The role's CONNECTION LIMIT (superusers are exempt), checked before the database
        // as PostgreSQL's InitializeSessionUserId does.
        let slot =
            self.shared.registry.admit_role(&role).ok_or_else(|| {
                fatal("53300", format!("too many connections for role \"{user}\""))
            })?;
        if let Ok(mut s) = self.role_slot.lock() {
            *s = Some(slot);
        }
        // 3D000 for a database that does not exist, 55000 for one that allows no
        // connections (template0), as PostgreSQL's InitPostgres.
        if let Err(e) = self.shared.db.database_oid(&database) {
            return Err(fatal(e.sqlstate(), e.to_string()));
        }
        let application_name = client
            .metadata()
            .get(METADATA_APPLICATION_NAME)
            .cloned()
            .unwrap_or_default();
        let (pid, key) = self.shared.keys.generate(client);
        client.set_pid_and_secret_key(pid, key.clone());

        let worker = SessionWorker::open(&self.shared.db, self.shared.alive.clone());
        let mut settings = startup_settings(client.metadata());
        // The configured default first: the client's own settings override it.
        let timeout = self.shared.statement_timeout;
        if timeout > 0 {
            settings.insert(0, ("statement_timeout".to_owned(), format!("{timeout}ms")));
        }
        let session_user = user.clone();
        let database_name = database.clone();
        let waker = self.arrivals.waker();
        let (connected, rejected, cancel) = worker
            .run(move |s| {
                s.set_notification_waker(Some(waker));
                s.set_user(&session_user);
                // Checked above; a database dropped since ends the login here.
                let connected = s.connect_database(&database_name);
                s.set_backend_pid(pid);
                let mut rejected = Vec::new();
                for (k, v) in settings {
                    let sql = format!("SET {k} = {}", quote_literal(&v));
                    if let Err(e) = s.execute(&sql) {
                        rejected.push(format!("{k}: {e}"));
                    }
                }
                s.make_settings_the_reset_values();
                (connected, rejected, s.cancel_handle())
            })
            .await?;
        if let Err(e) = connected {
            return Err(fatal(e.sqlstate(), e.to_string()));
        }
        for r in rejected {
            tracing::debug!(pid, "startup setting not applied: {r}");
        }
        self.shared.registry.register(pid, key.clone(), cancel);
        // A second startup on the same connection keeps the first session.
        if self.worker.set(worker).is_ok() {
            self.set_pid(pid);
        }
        let peer = if self.local {
            "[local]".to_owned()
        } else {
            client.socket_addr().to_string()
        };
        tracing::info!(pid, %user, %database, application_name = %application_name,
            %peer, tls = client.is_secure(), "connection authorized");

        client
            .feed(PgWireBackendMessage::Authentication(Authentication::Ok))
            .await?;
        let is_superuser = if role.superuser { "on" } else { "off" };
        let params = [
            ("application_name", application_name),
            ("client_encoding", encoding.to_owned()),
            ("DateStyle", "ISO, MDY".to_owned()),
            ("default_transaction_read_only", "off".to_owned()),
            ("in_hot_standby", "off".to_owned()),
            ("integer_datetimes", "on".to_owned()),
            ("IntervalStyle", "postgres".to_owned()),
            ("is_superuser", is_superuser.to_owned()),
            ("server_encoding", "UTF8".to_owned()),
            ("server_version", SERVER_VERSION.to_owned()),
            ("session_authorization", user),
            ("standard_conforming_strings", "on".to_owned()),
            ("TimeZone", "UTC".to_owned()),
        ];
        for (name, value) in params {
            client
                .feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                    name.to_owned(),
                    value,
                )))
                .await?;
        }
        client
            .feed(PgWireBackendMessage::BackendKeyData(BackendKeyData::new(
                pid, key,
            )))
            .await?;
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                WireStatus::Idle,
            )))
            .await?;
        client.set_state(PgWireConnectionState::ReadyForQuery);
        Ok(())
    }
}

#[async_trait]
impl StartupHandler for Conn {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let ready = match message {
            PgWireFrontendMessage::Startup(startup) => {
                if self.worker.get().is_some() {
                    return Err(protocol("unexpected startup message"));
                }
                protocol_negotiation(client, &startup).await?;
                save_startup_parameters_to_metadata(client, &startup);
                let Some(user) = client.metadata().get(METADATA_USER).cloned() else {
                    return Err(fatal(
                        "28000",
                        "no PostgreSQL user name specified in startup packet",
                    ));
                };
                let database = client
                    .metadata()
                    .get(METADATA_DATABASE)
                    .cloned()
                    .unwrap_or_else(|| user.clone());
                let requested = client
                    .metadata()
                    .get("client_encoding")
                    .cloned()
                    .unwrap_or_else(|| "UTF8".to_owned());
                let Some(encoding) = normalize_encoding(&requested) else {
                    return Err(fatal(
                        "22023",
                        format!("invalid value for parameter \"client_encoding\": \"{requested}\""),
                    ));
                };
                let stored = self.shared.db.role(&user).and_then(|r| r.password.clone());
                let login = Login {
                    user,
                    database,
                    encoding,
                    stored,
                    step: AuthStep::Cleartext,
                };
                self.begin_login(client, login).await?
            }
            PgWireFrontendMessage::PasswordMessageFamily(msg) => {
                self.continue_login(client, msg).await?
            }
            _ => return Err(protocol("unexpected message during authentication")),
        };
        match ready {
            Some(login) => self.finish_login(client, login).await,
            None => Ok(()),
        }
    }
}

/// `s` as a SQL string literal (standard_conforming_strings: only `'` needs doubling).
fn quote_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::quote_literal;

    #[test]
    fn quotes_literals() {
        assert_eq!(quote_literal("it's"), "'it''s'");
    }

    use super::*;

    #[test]
    fn encodings_and_settings() {
        assert_eq!(normalize_encoding("'utf-8'"), Some("UTF8"));
        assert_eq!(normalize_encoding("UNICODE"), Some("UTF8"));
        assert_eq!(normalize_encoding("LATIN1"), None);
        let mut p = std::collections::HashMap::new();
        p.insert("user".to_owned(), "postgres".to_owned());
        p.insert("extra_float_digits".to_owned(), "2".to_owned());
        p.insert("DateStyle".to_owned(), "ISO".to_owned());
        p.insert(
            "options".to_owned(),
            "-c search_path=public --statement-timeout=5 -cwork_mem=4MB -c bad".to_owned(),
        );
        assert_eq!(
            startup_settings(&p),
            vec![
                ("extra_float_digits".to_owned(), "2".to_owned()),
                ("search_path".to_owned(), "public".to_owned()),
                ("statement_timeout".to_owned(), "5".to_owned()),
                ("work_mem".to_owned(), "4MB".to_owned()),
            ]
        );
    }

    #[test]
    fn sasl_initial_response_layout() {
        let mut m = b"SCRAM-SHA-256\0".to_vec();
        m.extend_from_slice(&3i32.to_be_bytes());
        m.extend_from_slice(b"abc");
        let (mech, data) = sasl_initial(m.clone().into()).unwrap();
        assert_eq!((mech.as_str(), &data[..]), ("SCRAM-SHA-256", &b"abc"[..]));
        for cut in 0..m.len() {
            assert!(sasl_initial(m[..cut].to_vec().into()).is_err());
        }
    }
}
