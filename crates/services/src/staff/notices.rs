//! Mail to a member of staff about their own account: their second factor was locked after
//! too many wrong codes. Staff have no stored language, so the mail is in both of the admin's
//! languages, English first.

use crate::receipts::Mail;
use sharecare_content::i18n::{admin_t, fill, AdminLocale};
use sharecare_domain::time::Timestamp;

/// The mail telling an account holder that five wrong codes followed their right password,
/// and that codes are refused until `until`.
pub fn second_factor_locked(organisation: &str, at: Timestamp, until: Timestamp) -> Mail {
    let at = at.hong_kong_date_time();
    let until = until.hong_kong_date_time();
    let parts: Vec<(AdminLocale, String, Vec<String>)> = AdminLocale::ALL
        .into_iter()
        .map(|locale| {
            let m = admin_t(locale);
            let subject = fill(m.lock_mail_subject, &[("org", organisation)]);
            let paragraphs = vec![
                fill(
                    m.lock_mail_what,
                    &[("org", organisation), ("at", &at), ("until", &until)],
                ),
                m.lock_mail_if_you.to_string(),
                m.lock_mail_if_not_you.to_string(),
            ];
            (locale, subject, paragraphs)
        })
        .collect();
    let subject = parts
        .iter()
        .map(|(_, subject, _)| subject.as_str())
        .collect::<Vec<_>>()
        .join(" / ");
    let plain = parts
        .iter()
        .map(|(_, _, paragraphs)| paragraphs.join("\n\n"))
        .collect::<Vec<_>>()
        .join("\n\n---\n\n")
        + "\n";
    let escape = crate::markup::escape;
    let sections: String = parts
        .iter()
        .map(|(locale, _, paragraphs)| {
            let body: String = paragraphs
                .iter()
                .map(|paragraph| format!("<p>{}</p>", escape(paragraph)))
                .collect();
            format!("<div lang=\"{}\">{body}</div>", locale.html_lang())
        })
        .collect::<Vec<_>>()
        .join("<hr>");
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:sans-serif;line-height:1.5\">{sections}</body></html>",
        escape(&subject),
    );
    Mail {
        subject,
        plain,
        html,
        attachment: None,
        inline_image: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_mail_says_when_in_both_languages_and_escapes_the_name() {
        let at = Timestamp::from_seconds(1_800_000_000);
        let mail = second_factor_locked(
            "<Kids & Co>",
            at,
            at.plus(std::time::Duration::from_secs(900)),
        );
        assert!(
            mail.plain.contains(&at.hong_kong_date_time()),
            "{}",
            mail.plain
        );
        assert!(mail.plain.contains("---"), "both languages");
        assert!(mail.html.contains("&lt;Kids &amp; Co&gt;"), "{}", mail.html);
        assert!(!mail.html.contains("<Kids"), "{}", mail.html);
        assert!(mail.html.contains("lang=\"zh-Hant-HK\""));
    }
}
