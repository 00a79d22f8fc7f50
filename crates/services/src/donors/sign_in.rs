//! Signing in without a password: a 6-digit code and a link by email, kept as keyed hashes,
//! single use, 15 minutes, limited per email and per address.

use std::net::IpAddr;
use std::time::Duration;

use rand::Rng;

use super::Donors;
use crate::limits::{Refusal, Rule, TooMany};
use crate::receipts::Mail;
use sharecare_content::i18n::{fill, t};
use sharecare_content::paths;
use sharecare_content::Content;
use sharecare_db::{DbError, NewSignIn};
use sharecare_domain::donor::Email;
use sharecare_domain::secrets::random_hex;
use sharecare_domain::time::Timestamp;
use sharecare_domain::Locale;

/// How long a code and its link work.
pub const SIGN_IN_VALID: Duration = Duration::from_secs(15 * 60);

/// Why a sign-in was refused (staff of the site see why in the log; the donor sees one
/// message for all of these but `TooMany`).
#[derive(Debug, thiserror::Error)]
pub enum SignInRefusal {
    #[error("the code or link is wrong, used or expired")]
    Wrong,
    #[error("too many tries")]
    TooMany(TooMany),
    #[error("the database is unavailable")]
    Unavailable,
}

impl From<Refusal> for SignInRefusal {
    fn from(refusal: Refusal) -> SignInRefusal {
        match refusal {
            Refusal::TooMany(too_many) => SignInRefusal::TooMany(too_many),
            Refusal::Unavailable => SignInRefusal::Unavailable,
        }
    }
}

impl From<DbError> for SignInRefusal {
    fn from(error: DbError) -> SignInRefusal {
        tracing::error!(%error, "cannot check a donor's sign-in");
        SignInRefusal::Unavailable
    }
}

impl Donors {
    /// Sends a code and a link if this email has gifts. The request does the same work for
    /// every email, known or not (the limits, then a task started): the look-up, the stored
    /// code and the mail all happen in that background task, so neither the answer nor its
    /// time tells anyone whether an email gave (issue 23, finding 7).
    pub async fn send_sign_in(
        &self,
        email: &str,
        locale: Locale,
        address: IpAddr,
    ) -> Result<(), SignInRefusal> {
        let email_key = email.trim().to_lowercase();
        self.limits
            .check(Rule::DonorSignInPerAddress, &address.to_string())
            .await?;
        self.limits
            .check(Rule::DonorSignInPerEmail, &email_key)
            .await?;
        let Ok(email) = Email::parse(email) else {
            return Ok(());
        };
        let donors = self.clone();
        tokio::spawn(async move {
            if let Err(error) = donors.store_and_send_code(email, locale).await {
                tracing::error!(%error, "cannot store or send a donor's sign-in code");
            }
        });
        Ok(())
    }

    /// The background half of `send_sign_in`: if the email has gifts, a new code (voiding the
    /// earlier ones) is stored and mailed.
    async fn store_and_send_code(&self, email: Email, locale: Locale) -> Result<(), DbError> {
        if !self.db.has_gifts(&email.normalized()).await? {
            return Ok(());
        }
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let token = random_hex::<16>();
        let now = Timestamp::now();
        let sign_in = NewSignIn {
            id: random_hex::<16>(),
            email_key: email.normalized(),
            code_hash: self.hash(&email.normalized(), &code),
            link_hash: self.hash("link", &token),
            created_at: now,
            expires_at: now.plus(SIGN_IN_VALID),
        };
        self.db.insert_sign_in(&sign_in).await?;
        let link = paths::absolute(&self.public_base_url, &paths::my_gifts_link(locale, &token));
        let mail = sign_in_mail(&self.content, locale, &code, &link);
        if !self.mailer.sends() {
            // The code is a secret: only that one was made is logged.
            tracing::warn!("a donor asked for a sign-in code, but no SMTP_URL is set to send it");
            return Ok(());
        }
        if let Err(error) = self.mailer.send(&sign_in.id, &email, &mail).await {
            let error = crate::telemetry::redact_emails(&error);
            tracing::warn!(%error, "cannot send a donor's sign-in code");
        }
        Ok(())
    }

    /// Checks a code typed with its email; the donor's email (lower-cased) when right.
    pub async fn check_code(
        &self,
        email: &str,
        code: &str,
        address: IpAddr,
    ) -> Result<String, SignInRefusal> {
        let email_key = email.trim().to_lowercase();
        self.limits
            .check(Rule::DonorCodePerAddress, &address.to_string())
            .await?;
        self.limits
            .check(Rule::DonorCodePerEmail, &email_key)
            .await?;
        self.limits
            .check(Rule::DonorCodePerEmailPerDay, &email_key)
            .await?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SignInRefusal::Wrong);
        }
        let hash = self.hash(&email_key, &code);
        if self
            .db
            .use_sign_in_code(&email_key, &hash, Timestamp::now())
            .await?
        {
            Ok(email_key)
        } else {
            tracing::info!("a donor's sign-in code was refused");
            Err(SignInRefusal::Wrong)
        }
    }

    /// Uses a link's token (after the donor pressed the button on its page).
    pub async fn check_link(&self, token: &str, address: IpAddr) -> Result<String, SignInRefusal> {
        self.limits
            .check(Rule::DonorCodePerAddress, &address.to_string())
            .await?;
        match self
            .db
            .use_sign_in_link(&self.hash("link", token.trim()), Timestamp::now())
            .await?
        {
            Some(email_key) => Ok(email_key),
            None => Err(SignInRefusal::Wrong),
        }
    }
}

/// The sign-in mail: the code, and the link.
fn sign_in_mail(content: &Content, locale: Locale, code: &str, link: &str) -> Mail {
    let m = t(locale);
    let org = content.organisation.name.get(locale);
    let subject = fill(m.sign_in_subject, &[("org", org)]);
    let paragraphs = [
        fill(m.sign_in_code_line, &[("code", code)]),
        fill(m.sign_in_link_line, &[("url", link)]),
        m.sign_in_ignore.to_string(),
        fill(m.receipt_signoff, &[("org", org)]),
    ];
    let plain = paragraphs.join("\n\n") + "\n";
    let escape = crate::markup::escape;
    let html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:sans-serif;line-height:1.5\"><p style=\"font-size:1.5em;\
         letter-spacing:0.2em\"><strong>{}</strong></p><p>{}</p><p><a href=\"{}\">{}</a></p>\
         <p>{}</p><p>{}</p></body></html>",
        locale.code(),
        escape(&subject),
        escape(code),
        escape(&paragraphs[0]),
        escape(link),
        escape(&paragraphs[1]),
        escape(&paragraphs[2]),
        escape(&paragraphs[3]),
    );
    Mail {
        subject,
        plain,
        html,
        attachment: None,
        inline_image: None,
    }
}
