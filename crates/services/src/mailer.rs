//! Sending mail over SMTP (lettre): receipts and notices from the outbox, and sign-in codes.
//! Without `SMTP_URL` nothing is sent: callers write to the log what they may (never a code).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::receipts::Mail;
use sharecare_content::Content;
use sharecare_domain::donor::Email;
use sharecare_domain::Locale;

/// Why mail cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error("SMTP_URL is not usable: {0}")]
    SmtpUrl(String),
    #[error("the sender {0:?} is not an email address")]
    From(String),
}

pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    /// From `RECEIPT_FROM`, else the organisation's address, in its name.
    pub fn new(
        content: &Content,
        smtp_url: Option<&str>,
        from: Option<&str>,
    ) -> Result<Mailer, MailSetupError> {
        let transport = match smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|error| MailSetupError::SmtpUrl(error.to_string()))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            ),
            None => None,
        };
        let address = from.unwrap_or(&content.organisation.email).to_string();
        let from = Mailbox::new(
            Some(content.organisation.name.get(Locale::DEFAULT).clone()),
            address
                .parse()
                .map_err(|_| MailSetupError::From(address.clone()))?,
        );
        Ok(Mailer { transport, from })
    }

    /// Whether mail is sent at all (SMTP is configured).
    pub fn sends(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends `mail` to `to`. `id` makes its Message-ID: a copy sent twice (a crash right after
    /// the server accepted it) is recognisable as the same message.
    pub async fn send(&self, id: &str, to: &Email, mail: &Mail) -> Result<(), String> {
        let Some(transport) = &self.transport else {
            return Err("no SMTP_URL is set".to_string());
        };
        let to: Mailbox = to
            .as_str()
            .parse()
            .map_err(|error| format!("bad recipient: {error}"))?;
        let domain = self.from.email.domain().to_string();
        let png = || ContentType::parse("image/png").expect("a valid content type");
        let alternative = MultiPart::alternative_plain_html(mail.plain.clone(), mail.html.clone());
        // An image the HTML shows (`cid:`) travels with it in a multipart/related part.
        let text = match &mail.inline_image {
            Some((content_id, bytes)) => MultiPart::related()
                .multipart(alternative)
                .singlepart(Attachment::new_inline(content_id.clone()).body(bytes.clone(), png())),
            None => alternative,
        };
        let body = match &mail.attachment {
            Some((name, bytes)) => {
                let kind = if name.ends_with(".png") {
                    png()
                } else {
                    ContentType::parse("application/pdf").expect("a valid content type")
                };
                MultiPart::mixed()
                    .multipart(text)
                    .singlepart(Attachment::new(name.clone()).body(bytes.clone(), kind))
            }
            None => text,
        };
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<message-{id}@{domain}>")))
            .multipart(body)
            .map_err(|error| error.to_string())?;
        transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|error| error.to_string())
    }
}
