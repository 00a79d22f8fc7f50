//! Mail other than receipts: the confirmation of a change to a monthly gift (sent once the
//! provider confirmed it) and the yearly summary of receipts, each in the donor's language.

use super::documents::local_date;
use crate::markup::escape;
use sharecare_content::i18n::{fill, t};
use sharecare_content::Content;
use sharecare_domain::donation::Donation;
use sharecare_domain::money::Money;

/// A message ready to send, with its attachment if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub plain: String,
    pub html: String,
    /// (file name, PDF bytes).
    pub attachment: Option<(String, Vec<u8>)>,
}

pub use sharecare_domain::changes::ChangeNotice;

/// Paragraphs as plain text and as simple HTML.
fn bodies(lang: &str, subject: &str, paragraphs: &[String]) -> (String, String) {
    let plain = paragraphs.join("\n\n") + "\n";
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:sans-serif;line-height:1.5;color:#1f2933\">",
        escape(subject)
    );
    for paragraph in paragraphs {
        html.push_str(&format!("<p>{}</p>", escape(paragraph)));
    }
    html.push_str("</body></html>");
    (plain, html)
}

fn greeting(donation: &Donation) -> String {
    let m = t(donation.locale);
    match &donation.donor_name {
        Some(name) => fill(m.receipt_greeting, &[("name", name.as_str())]),
        None => m.receipt_greeting_anonymous.to_string(),
    }
}

/// The confirmation of a change to a monthly gift.
pub fn change_mail(
    content: &Content,
    donation: &Donation,
    notice: &ChangeNotice,
    manage_url: &str,
) -> Mail {
    let locale = donation.locale;
    let m = t(locale);
    let org = &content.organisation;
    let org_name = org.name.get(locale);
    let amount = donation.amount.to_string();
    let what = match notice {
        ChangeNotice::Paused { until } => fill(
            m.change_paused,
            &[("amount", &amount), ("date", &local_date(*until, locale))],
        ),
        ChangeNotice::Resumed => fill(m.change_resumed, &[("amount", &amount)]),
        ChangeNotice::Amount { minor } => fill(
            m.change_amount,
            &[(
                "amount",
                &Money::new(*minor, donation.amount.currency).to_string(),
            )],
        ),
        ChangeNotice::Day { next } => fill(m.change_day, &[("date", &local_date(*next, locale))]),
        ChangeNotice::Cancelled => m.change_cancelled.to_string(),
    };
    let subject = fill(
        m.change_subject,
        &[
            ("org", org_name),
            ("reference", donation.reference.as_str()),
        ],
    );
    let paragraphs = vec![
        greeting(donation),
        what,
        fill(m.receipt_manage, &[("url", manage_url)]),
        fill(
            m.change_not_you,
            &[("email", &org.email), ("phone", &org.phone)],
        ),
        fill(m.receipt_signoff, &[("org", org_name)]),
    ];
    let (plain, html) = bodies(locale.code(), &subject, &paragraphs);
    Mail {
        subject,
        plain,
        html,
        attachment: None,
    }
}

/// The yearly summary's covering mail (the PDF is attached by the caller).
pub fn summary_mail(
    content: &Content,
    donation: &Donation,
    year_start: i64,
    holder: &str,
    manage_url: &str,
    pdf: Vec<u8>,
) -> Mail {
    let locale = donation.locale;
    let m = t(locale);
    let org_name = content.organisation.name.get(locale);
    let year = format!("{year_start}-{:02}", (year_start + 1) % 100);
    let subject = fill(m.summary_subject, &[("org", org_name), ("year", &year)]);
    let paragraphs = vec![
        greeting(donation),
        fill(m.summary_body, &[("year", &year), ("name", holder)]),
        fill(m.receipt_manage, &[("url", manage_url)]),
        fill(m.receipt_signoff, &[("org", org_name)]),
    ];
    let (plain, html) = bodies(locale.code(), &subject, &paragraphs);
    Mail {
        subject,
        plain,
        html,
        attachment: Some((format!("donations-{year}.pdf"), pdf)),
    }
}

/// The email telling a tribute's contact that a gift was made in their loved one's honour or
/// memory: in the donor's language, from the charity, naming the donor only as they gave their
/// name, with the amount only if the donor chose so. `None` when the gift has no one to tell.
pub fn tribute_mail(content: &Content, donation: &Donation, site_url: &str) -> Option<Mail> {
    use sharecare_domain::tribute::TributeKind;
    let tribute = donation.tribute.as_ref()?;
    let notice = tribute.notify.as_ref()?;
    let locale = donation.locale;
    let m = t(locale);
    let org = &content.organisation;
    let org_name = org.name.get(locale);
    let donor = donation
        .donor_name
        .as_ref()
        .map_or(m.tribute_mail_someone, |name| name.as_str());
    let honoree = tribute.honoree.as_str();
    let subject = fill(
        match tribute.kind {
            TributeKind::Honour => m.tribute_mail_subject_honour,
            TributeKind::Memory => m.tribute_mail_subject_memory,
        },
        &[("honoree", honoree), ("org", org_name)],
    );
    let told = match (tribute.kind, notice.show_amount) {
        (TributeKind::Honour, false) => m.tribute_mail_body_honour,
        (TributeKind::Memory, false) => m.tribute_mail_body_memory,
        (TributeKind::Honour, true) => m.tribute_mail_body_honour_amount,
        (TributeKind::Memory, true) => m.tribute_mail_body_memory_amount,
    };
    let amount = donation.amount.to_string();
    let mut paragraphs = vec![
        fill(m.tribute_mail_greeting, &[("name", notice.name.as_str())]),
        fill(
            told,
            &[
                ("donor", donor),
                ("honoree", honoree),
                ("org", org_name),
                ("amount", &amount),
            ],
        ),
    ];
    if let Some(message) = &tribute.message {
        paragraphs.push(fill(
            m.tribute_mail_message,
            &[("donor", donor), ("message", message.as_str())],
        ));
    }
    paragraphs.push(fill(
        m.tribute_mail_about,
        &[("org", org_name), ("url", site_url)],
    ));
    paragraphs.push(fill(m.receipt_signoff, &[("org", org_name)]));
    let (plain, html) = bodies(locale.code(), &subject, &paragraphs);
    Some(Mail {
        subject,
        plain,
        html,
        attachment: None,
    })
}
