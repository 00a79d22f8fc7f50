//! Mail other than receipts: the confirmation of a change to a monthly gift (sent once the
//! provider confirmed it) and the yearly summary of receipts, each in the donor's language.

use super::documents::local_date;
use crate::markup::escape;
use sharecare_content::i18n::{fill, t};
use sharecare_content::Content;
use sharecare_domain::donation::Donation;
use sharecare_domain::money::Money;

/// A message ready to send, with its attachment if any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mail {
    pub subject: String,
    pub plain: String,
    pub html: String,
    /// (file name, bytes): a PDF, or a PNG when the name ends `.png`.
    pub attachment: Option<(String, Vec<u8>)>,
    /// (content id, PNG bytes): an image the HTML shows as `cid:{content id}`.
    pub inline_image: Option<(String, Vec<u8>)>,
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
        inline_image: None,
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
        inline_image: None,
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
        inline_image: None,
    })
}

/// A transfer pledge's payment details, sent as soon as it is made: everything needed to pay
/// later (the FPS ID, amount and reference, the QR code as an image and as a file, the bank
/// account) and the gift's own page. In the donor's language.
pub fn payment_details_mail(
    content: &Content,
    donation: &Donation,
    gift_url: &str,
    qr_png: Vec<u8>,
) -> Mail {
    use sharecare_domain::donation::Frequency;
    let locale = donation.locale;
    let m = t(locale);
    let org = &content.organisation;
    let org_name = org.name.get(locale);
    let reference = donation.reference.as_str();
    let amount = donation.charged().plain_decimal();
    let subject = fill(
        m.pledge_mail_subject,
        &[("org", org_name), ("reference", reference)],
    );
    let mut intro = vec![
        greeting(donation),
        fill(
            m.pledge_mail_intro,
            &[("amount", &donation.charged().to_string())],
        ),
        fill(m.thanks_pay_intro, &[("reference", reference)]),
    ];
    if donation.frequency == Frequency::Monthly {
        intro.push(m.thanks_pay_monthly.to_string());
    }
    let fps = [
        (m.thanks_fps_id, org.fps_id.clone()),
        (m.thanks_amount, amount.clone()),
        (m.thanks_reference, reference.to_string()),
    ];
    let bank = [
        (m.thanks_bank_name, org.bank.bank_name.get(locale).clone()),
        (m.thanks_account_name, org.bank.account_name.clone()),
        (m.thanks_account_number, org.bank.account_number.clone()),
        (m.thanks_amount, amount),
        (m.thanks_reference, reference.to_string()),
    ];
    let after = [
        m.thanks_next_confirm.to_string(),
        fill(m.pledge_mail_page, &[("url", gift_url)]),
        fill(
            m.thanks_questions,
            &[("phone", &org.phone), ("email", &org.email)],
        ),
        fill(m.receipt_signoff, &[("org", org_name)]),
    ];
    let lines = |rows: &[(&str, String)]| {
        rows.iter()
            .map(|(label, value)| format!("{label}: {value}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let plain = [
        intro.join("\n\n"),
        format!("{}\n{}", m.thanks_fps_heading, lines(&fps)),
        m.thanks_fps_qr_caption.to_string(),
        format!("{}\n{}", m.thanks_bank_heading, lines(&bank)),
        after.join("\n\n"),
    ]
    .join("\n\n")
        + "\n";
    let table = |rows: &[(&str, String)]| {
        let cells: String = rows
            .iter()
            .map(|(label, value)| {
                format!(
                    "<tr><th style=\"text-align:left;padding-right:1em\">{}</th>\
                     <td style=\"white-space:nowrap\">{}</td></tr>",
                    escape(label),
                    escape(value)
                )
            })
            .collect();
        format!("<table>{cells}</table>")
    };
    let paragraphs = |texts: &[String]| -> String {
        texts
            .iter()
            .map(|text| format!("<p>{}</p>", escape(text)))
            .collect()
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         </head><body style=\"font-family:sans-serif;line-height:1.5;color:#1f2933\">{intro}\
         <h2>{fps_heading}</h2>{fps}<p><img src=\"cid:{QR_CONTENT_ID}\" width=\"240\" height=\"240\" \
         alt=\"{qr_alt}\"></p><p>{caption}</p><h2>{bank_heading}</h2>{bank}{after}</body></html>",
        lang = locale.code(),
        title = escape(&subject),
        intro = paragraphs(&intro),
        fps_heading = escape(m.thanks_fps_heading),
        fps = table(&fps),
        qr_alt = escape(m.thanks_fps_qr_label),
        caption = escape(m.thanks_fps_qr_caption),
        bank_heading = escape(m.thanks_bank_heading),
        bank = table(&bank),
        after = paragraphs(&after),
    );
    Mail {
        subject,
        plain,
        html,
        attachment: Some((format!("fps-{reference}.png"), qr_png.clone())),
        inline_image: Some((QR_CONTENT_ID.to_string(), qr_png)),
    }
}

/// The content id of the FPS QR code shown in a payment-details email.
pub const QR_CONTENT_ID: &str = "fps-qr";
