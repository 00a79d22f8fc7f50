//! Tax receipts follow the Inland Revenue Ordinance (services' `receipts::tax_rules`): the
//! HK$100 rule on the year's aggregate per receipt holder, one yearly summary per holder, no tax
//! note without a name, and a receipt that never changes once issued. Each test runs on SQLite
//! and on PostgreSQL, through the real server, the fake Stripe and the SMTP sink.

use std::time::Duration;

use crate::donors::{attachment, pdf_text, receipts_of, sign_in, squeeze, until_donation, HO, MEI};
use crate::fake_stripe::{FakeStripe, Session};
use crate::helpers::{Backend, TestApp};
use crate::payments::{donation_of, eventually, location, stripe_app, token};
use crate::smtp_sink::{Received, SmtpSink};
use reqwest::StatusCode;
use sharecare_db::{NewPayment, TaxReceipt};
use sharecare_domain::donation::Donation;
use sharecare_domain::identifiers::Reference;
use sharecare_domain::secrets::random_hex;
use sharecare_domain::time::{hong_kong_midnight, tax_year_of, Timestamp};

on_both_databases!(
    a_fifty_dollar_monthly_donor_gets_the_tax_note_and_a_summary,
    a_donor_with_personal_and_company_gifts_gets_two_summaries,
    a_receipt_without_a_name_has_no_tax_note,
    a_receipt_does_not_change_when_the_monthly_amount_changes,
);

/// The English tax note's words (a person's and a company's both say them).
const TAX_NOTE: &str = "tax-deductible";

/// A card gift from `email` as the donate form posts it, with `more` fields replacing or added.
async fn give(
    app: &TestApp,
    fake: &FakeStripe,
    email: &str,
    amount: &str,
    more: &[(&str, &str)],
) -> Session {
    let target = submit(app, email, amount, more).await;
    let id = target.rsplit('/').next().unwrap();
    fake.sessions()
        .into_iter()
        .find(|session| session.id == id)
        .expect("a checkout session")
}

/// Posts the donate form; where it redirects.
async fn submit(app: &TestApp, email: &str, amount: &str, more: &[(&str, &str)]) -> String {
    let token = token();
    let mut fields = vec![
        ("frequency", "one_off"),
        ("amount", "other"),
        ("custom_amount", amount),
        ("currency", "HKD"),
        ("email", email),
        ("name", "Chan Mei"),
        ("receipt", "own_name"),
        ("payment_method", "card"),
        ("token", token.as_str()),
    ];
    for (name, value) in more {
        fields.retain(|(field, _)| field != name);
        fields.push((name, value));
    }
    location(&app.post_form("/en/donate", &fields).await)
}

/// A bank transfer (a standing order when `more` says monthly) pledged on the form.
async fn pledge(app: &TestApp, email: &str, amount: &str, more: &[(&str, &str)]) -> Donation {
    let mut fields = vec![("payment_method", "offline")];
    fields.extend_from_slice(more);
    let target = submit(app, email, amount, &fields).await;
    let reference = target
        .split("/donations/")
        .nth(1)
        .and_then(|rest| rest.split(['?', '/']).next())
        .and_then(Reference::parse)
        .unwrap_or_else(|| panic!("the gift's page: {target}"));
    app.db
        .donation_by_reference(&reference)
        .await
        .unwrap()
        .expect("the pledge is stored")
}

/// Staff confirm transfer number `n` of a pledge as received at `paid_at` (with its receipt).
async fn transfer_received(app: &TestApp, pledge: &Donation, n: u32, paid_at: Timestamp) {
    let recorded = app
        .db
        .record_confirmed_payment(&NewPayment {
            id: format!("pay-{}-{n}", pledge.id),
            donation_id: pledge.id.clone(),
            source_id: format!("offline:{}:{n}", pledge.reference.as_str()),
            payment_intent_id: None,
            amount: pledge.amount,
            paid_at,
            subscription_id: None,
            fee_minor: None,
            receipt_id: Some(random_hex::<16>()),
        })
        .await
        .unwrap();
    assert!(recorded);
}

/// The tax year before this one (its starting year): its summaries are due by now.
fn last_tax_year() -> i64 {
    let this_year: i64 = tax_year_of(Timestamp::now())[..4].parse().unwrap();
    this_year - 1
}

/// 10:00 in Hong Kong on the 10th of the `n`th month (0: April) of the tax year `year_start`.
fn month_of_tax_year(year_start: i64, n: u32) -> Timestamp {
    let (year, month) = if n < 9 {
        (year_start, n + 4)
    } else {
        (year_start + 1, n - 8)
    };
    hong_kong_midnight(year, month, 10)
        .unwrap()
        .plus(Duration::from_secs(10 * 3_600))
}

/// Gives and pays on the fake's page: the paid donation.
async fn paid(
    app: &TestApp,
    fake: &FakeStripe,
    email: &str,
    amount: &str,
    more: &[(&str, &str)],
) -> (Session, Donation) {
    let session = give(app, fake, email, amount, more).await;
    fake.pay(&session).await;
    let donation = donation_of(app, &session).await;
    assert_eq!(donation.status.as_str(), "paid");
    (session, donation)
}

/// Waits until the sink has at least `count` messages with a PDF and the outbox is empty.
async fn pdfs_arrive(app: &TestApp, sink: &SmtpSink, count: usize) {
    let database = app.db.clone();
    eventually("the PDFs are sent", || {
        let (sink, database) = (sink.clone(), database.clone());
        async move {
            sink.received()
                .iter()
                .filter(|message| attachment(message).is_some())
                .count()
                >= count
                && database.count_unsent_messages().await.unwrap() == 0
        }
    })
    .await;
}

/// A receipt email: the message, its PDF and the PDF's text.
struct ReceiptMail {
    message: Received,
    pdf: Vec<u8>,
    pdf_text: String,
}

/// Every receipt email received so far.
fn receipt_mails(sink: &SmtpSink) -> Vec<ReceiptMail> {
    sink.received()
        .into_iter()
        .filter(|message| !message.parsed().0.contains("summary of donations"))
        .filter_map(|message| {
            let pdf = attachment(&message)?;
            let pdf_text = pdf_text(&pdf);
            Some(ReceiptMail {
                message,
                pdf,
                pdf_text,
            })
        })
        .collect()
}

/// The receipt email whose PDF carries `receipt`'s number.
fn mail_of<'a>(mails: &'a [ReceiptMail], receipt: &TaxReceipt) -> &'a ReceiptMail {
    mails
        .iter()
        .find(|mail| mail.pdf_text.contains(&receipt.number_text()))
        .unwrap_or_else(|| panic!("the email of receipt {}", receipt.number_text()))
}

fn summaries(sink: &SmtpSink) -> Vec<Received> {
    sink.received()
        .into_iter()
        .filter(|message| message.parsed().0.contains("summary of donations"))
        .collect()
}

/// The receipt's PDF as the donor downloads it from My gifts (the service behind the link).
async fn download(app: &TestApp, donation: &Donation, receipt: &TaxReceipt) -> Vec<u8> {
    app.state
        .donors
        .receipt_pdf(&donation.email.normalized(), &receipt.id)
        .await
        .unwrap()
        .expect("the donor's receipt")
        .1
}

/// Queues the summaries of the tax year of `receipt`, as the job does on the first day after
/// it (in the past for last year's, so they are due at once).
async fn queue_summaries_of_year(app: &TestApp, receipt: &TaxReceipt) -> u64 {
    let year_start: i64 = receipt.series[..4].parse().unwrap();
    let first_of_april = hong_kong_midnight(year_start + 1, 4, 1)
        .unwrap()
        .plus(Duration::from_secs(60));
    app.state
        .donors
        .queue_yearly_summaries(first_of_april)
        .await
        .unwrap()
}

async fn a_fifty_dollar_monthly_donor_gets_the_tax_note_and_a_summary(backend: Backend) {
    let sink = SmtpSink::start().await;
    let (app, _fake) = stripe_app(backend, Some(&sink)).await;
    // Content's minimum, by standing order, every month of last tax year: HK$600 in all, and
    // no single gift reaches HK$100.
    let year_start = last_tax_year();
    let gift = pledge(&app, MEI, "50", &[("frequency", "monthly")]).await;
    for n in 0..12 {
        transfer_received(&app, &gift, n, month_of_tax_year(year_start, n)).await;
    }
    pdfs_arrive(&app, &sink, 12).await;
    let receipts = receipts_of(&app, &gift).await;
    assert_eq!(receipts.len(), 12, "a receipt each month");
    assert!(receipts.iter().all(|r| r.amount.minor == 5_000));
    assert!(
        receipts
            .iter()
            .all(|r| r.series == format!("{year_start}-{:02}", (year_start + 1) % 100)),
        "one tax year"
    );

    // The first month alone is HK$50: no note. The second brings the year to HK$100: the
    // note, in the email and on its PDF, and so on every later month.
    let mails = receipt_mails(&sink);
    let (first, second) = (mail_of(&mails, &receipts[0]), mail_of(&mails, &receipts[1]));
    for later in &receipts[2..] {
        assert!(mail_of(&mails, later).pdf_text.contains(TAX_NOTE));
    }
    let (_, text) = first.message.parsed();
    assert!(!text.contains(TAX_NOTE), "{text}");
    assert!(!first.pdf_text.contains(TAX_NOTE), "{}", first.pdf_text);
    let (_, text) = second.message.parsed();
    assert!(
        text.contains("tax-deductible in Hong Kong") && text.contains("HK$100 or more"),
        "{text}"
    );
    let note = squeeze("tax-deductible in Hong Kong");
    assert!(second.pdf_text.contains(&note), "{}", second.pdf_text);
    assert!(second.pdf_text.contains("yearofassessment"));
    // What a receipt says is settled when it is issued: the first, downloaded after the
    // year's other months, is still the one that was mailed.
    assert_eq!(download(&app, &gift, &receipts[0]).await, first.pdf);
    assert_eq!(download(&app, &gift, &receipts[1]).await, second.pdf);

    // The year's summary lists every month, HK$600 in all, with the note.
    assert_eq!(queue_summaries_of_year(&app, &receipts[0]).await, 1);
    eventually("the summary is sent", || {
        let sink = sink.clone();
        async move { !summaries(&sink).is_empty() }
    })
    .await;
    let sent = summaries(&sink);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, vec![format!("<{MEI}>")]);
    let summary = pdf_text(&attachment(&sent[0]).expect("the summary PDF"));
    let mut expected: Vec<String> = receipts.iter().map(TaxReceipt::number_text).collect();
    expected.extend([
        "HKD600.00".to_string(),
        "ChanMei".to_string(),
        squeeze("tax-deductible in Hong Kong"),
    ]);
    for expected in expected {
        assert!(summary.contains(&expected), "{expected} in {summary}");
    }
}

async fn a_donor_with_personal_and_company_gifts_gets_two_summaries(backend: Backend) {
    let sink = SmtpSink::start().await;
    let (app, _fake) = stripe_app(backend, Some(&sink)).await;
    let company = "Harbour Lights Ltd (BR 12345678)";
    // Three transfers from one email last tax year: her own, her company's, and HK$50 in her
    // father's name (his own year, which does not borrow from hers).
    let year_start = last_tax_year();
    let own = pledge(&app, HO, "300", &[("name", "Ho Ka Yan")]).await;
    let business = pledge(
        &app,
        HO,
        "500",
        &[
            ("name", "Ho Ka Yan"),
            ("receipt", "company"),
            ("company_name", "Harbour Lights Ltd"),
            ("company_registration", "12345678"),
        ],
    )
    .await;
    let father = pledge(
        &app,
        HO,
        "50",
        &[
            ("name", "Ho Ka Yan"),
            ("receipt", "other_name"),
            ("receipt_name", "Ho Tai Man"),
        ],
    )
    .await;
    for (n, gift) in [&own, &business, &father].into_iter().enumerate() {
        transfer_received(&app, gift, 0, month_of_tax_year(year_start, n as u32 + 1)).await;
    }
    pdfs_arrive(&app, &sink, 3).await;
    let own_receipt = receipts_of(&app, &own).await.remove(0);
    let company_receipt = receipts_of(&app, &business).await.remove(0);
    let father_receipt = receipts_of(&app, &father).await.remove(0);
    assert_eq!(company_receipt.issued_to.as_deref(), Some(company));
    // The company's receipt carries the profits tax note; the father's HK$50 none.
    let company_text = pdf_text(&download(&app, &business, &company_receipt).await);
    assert!(company_text.contains("profitstax"), "{company_text}");
    let father_text = pdf_text(&download(&app, &father, &father_receipt).await);
    assert!(!father_text.contains(TAX_NOTE), "{father_text}");
    let own_text = pdf_text(&download(&app, &own, &own_receipt).await);
    assert!(own_text.contains("salariestax") && !own_text.contains("profitstax"));

    // One summary for her, one for the company; none for the HK$50.
    assert_eq!(queue_summaries_of_year(&app, &own_receipt).await, 2);
    assert_eq!(
        queue_summaries_of_year(&app, &own_receipt).await,
        0,
        "a second run queues nothing new"
    );
    eventually("both summaries are sent", || {
        let sink = sink.clone();
        async move { summaries(&sink).len() >= 2 }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = summaries(&sink);
    assert_eq!(sent.len(), 2, "two summaries, sent once each");
    let texts: Vec<String> = sent
        .iter()
        .map(|message| pdf_text(&attachment(message).expect("a summary PDF")))
        .collect();
    let personal = texts
        .iter()
        .find(|text| text.contains("HoKaYan"))
        .expect("her summary");
    let business_summary = texts
        .iter()
        .find(|text| text.contains(&squeeze(company)))
        .expect("the company's summary");
    assert!(personal.contains(&own_receipt.number_text()), "{personal}");
    assert!(personal.contains("HKD300.00") && personal.contains("salariestax"));
    assert!(
        !personal.contains(&company_receipt.number_text()),
        "{personal}"
    );
    assert!(
        business_summary.contains(&company_receipt.number_text()),
        "{business_summary}"
    );
    assert!(business_summary.contains("HKD500.00") && business_summary.contains("profitstax"));
    assert!(!business_summary.contains(&own_receipt.number_text()));
    for text in &texts {
        assert!(!text.contains(&father_receipt.number_text()), "{text}");
        assert!(!text.contains("HoTaiMan"), "{text}");
    }
    // Each covering mail names whose receipts it lists.
    assert!(sent
        .iter()
        .any(|m| m.parsed().1.contains("issued to Ho Ka Yan")));
    assert!(sent
        .iter()
        .any(|m| m.parsed().1.contains(&format!("issued to {company}"))));

    // My gifts offers the same two, each its own download.
    let donor = sign_in(&app, &sink, HO).await;
    let page = donor.page(&app).await;
    let year_start = &own_receipt.series[..4];
    let links: Vec<String> = page
        .split(&format!("/en/my-gifts/summaries/{year_start}?holder="))
        .skip(1)
        .map(|rest| rest.chars().take_while(char::is_ascii_hexdigit).collect())
        .collect();
    assert_eq!(links.len(), 2, "{page}");
    assert!(page.contains("issued to Ho Ka Yan (PDF)"), "{page}");
    assert!(!page.contains("issued to Ho Tai Man"), "{page}");
    let mut downloaded = Vec::new();
    for holder in &links {
        let response = donor
            .get(
                &app,
                &format!("/en/my-gifts/summaries/{year_start}?holder={holder}"),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        downloaded.push(pdf_text(&response.bytes().await.unwrap()));
    }
    assert!(downloaded.iter().any(|text| text == personal));
    assert!(downloaded.iter().any(|text| text == business_summary));
}

async fn a_receipt_without_a_name_has_no_tax_note(backend: Backend) {
    let sink = SmtpSink::start().await;
    let (app, fake) = stripe_app(backend, Some(&sink)).await;
    // No name and no receipt asked for: the payment is receipted all the same (numbered, for
    // the records), made out to no one.
    let (_, gift) = paid(&app, &fake, HO, "300", &[("name", ""), ("receipt", "none")]).await;
    let receipt = receipts_of(&app, &gift).await.remove(0);
    assert_eq!(receipt.issued_to, None);
    let text = pdf_text(&download(&app, &gift, &receipt).await);
    assert!(text.contains("HKD300.00"), "{text}");
    assert!(text.contains("Adonorwhogavenoname"), "{text}");
    assert!(
        !text.contains(TAX_NOTE),
        "no one can claim a receipt without a name: {text}"
    );
    // Nor is there a summary of it: none queued, none offered, none to download.
    assert_eq!(queue_summaries_of_year(&app, &receipt).await, 0);
    let donor = sign_in(&app, &sink, HO).await;
    let page = donor.page(&app).await;
    assert!(!page.contains("/en/my-gifts/summaries/"), "{page}");
    let year_start = &receipt.series[..4];
    assert_eq!(
        donor
            .get(&app, &format!("/en/my-gifts/summaries/{year_start}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

async fn a_receipt_does_not_change_when_the_monthly_amount_changes(backend: Backend) {
    let sink = SmtpSink::start().await;
    let (app, fake) = stripe_app(backend, Some(&sink)).await;
    // HK$300 a month and the card costs on top: HK$313 a month (the sample content's rate).
    let (_, gift) = paid(
        &app,
        &fake,
        MEI,
        "300",
        &[("frequency", "monthly"), ("cover_fee", "yes")],
    )
    .await;
    assert_eq!(gift.fee.minor, 1_300);
    pdfs_arrive(&app, &sink, 1).await;
    let receipt = receipts_of(&app, &gift).await.remove(0);
    assert_eq!(receipt.amount.minor, 31_300);
    let mails = receipt_mails(&sink);
    let mail = mail_of(&mails, &receipt);
    let mailed = mail.pdf.clone();

    // The whole HK$313 is the donation, and says it includes what she added: never a fee
    // taken out of her gift.
    let (_, text) = mail.message.parsed();
    assert!(text.contains("Amount: HK$313"), "{text}");
    let sentence =
        "The whole HK$313 is your donation, including the HK$13 you added towards card costs.";
    assert!(text.contains(sentence), "{text}");
    let pdf = &mail.pdf_text;
    assert!(
        pdf.contains("HKD313.00") && pdf.contains(&squeeze(sentence)),
        "{pdf}"
    );
    for wrong in ["Cardfee", "Yourgift"] {
        assert!(!pdf.contains(wrong), "{wrong} in {pdf}");
        assert!(!squeeze(&text).contains(wrong), "{wrong} in {text}");
    }
    let before = download(&app, &gift, &receipt).await;
    assert_eq!(before, mailed, "the download is the mailed receipt");

    // She gives HK$250 a month from now on; the fee cover ends with the old amount.
    let donor = sign_in(&app, &sink, MEI).await;
    let (response, _) = donor
        .change(
            &app,
            gift.reference.as_str(),
            &[("action", "amount"), ("amount", "250")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    until_donation(&app, &gift.id, "the new amount is confirmed", |d| {
        d.amount.minor == 25_000 && d.fee.minor == 0
    })
    .await;

    // Last month's numbered receipt is the same document, byte for byte.
    assert_eq!(download(&app, &gift, &receipt).await, before);
    assert_eq!(receipts_of(&app, &gift).await, vec![receipt]);
}
