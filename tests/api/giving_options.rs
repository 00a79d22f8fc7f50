//! The ways of giving beyond the plain gift: covering the card fee, gifts in honour or memory (and telling someone),
//! company receipts, the embeddable widget, the FPS image to save, and where gifts came from.
//! Every test runs on SQLite and on PostgreSQL.

use crate::fake_stripe::Session;
use crate::helpers::{content_dir, cookies_from, Backend, TestApp};
use crate::payments::{donation_of, eventually, location, stripe_app, token};
use crate::smtp_sink::SmtpSink;
use reqwest::StatusCode;
use sharecare_db::Breakdown;
use sharecare_domain::donation::Donation;
use sharecare_domain::identifiers::Reference;
use sharecare_domain::money::{Currency, Money};

on_both_databases!(
    a_covered_fee_is_charged_with_the_gift_and_the_receipt_says_so,
    a_paid_tribute_tells_its_contact_once_and_a_pledge_tells_no_one,
    bad_tribute_and_company_fields_are_field_errors_and_store_nothing,
    a_company_gift_is_receipted_to_the_company,
    only_the_embed_may_be_framed_and_it_gives_without_cookies,
    the_saved_fps_image_needs_the_key_and_scans_to_the_same_payload,
    attribution_is_stored_cleaned_and_broken_down_for_staff,
);

/// A card gift's fields, as the donate page's form sends them, with `more` added.
fn card_gift<'a>(
    amount: &'a str,
    token: &'a str,
    more: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("frequency", "one_off"),
        ("amount", "other"),
        ("custom_amount", amount),
        ("currency", "HKD"),
        ("email", "wing.lee@example.org"),
        ("name", "Lee Wing"),
        ("receipt", "own_name"),
        ("payment_method", "card"),
        ("token", token),
    ];
    for (name, value) in more {
        fields.retain(|(field, _)| field != name);
        fields.push((name, value));
    }
    fields
}

/// Submits `fields` to `/{locale}/donate` and returns the session the fake Stripe made.
async fn give(
    app: &TestApp,
    fake: &crate::fake_stripe::FakeStripe,
    locale: &str,
    fields: &[(&str, &str)],
) -> Session {
    let target = location(&app.post_form(&format!("/{locale}/donate"), fields).await);
    let id = target.rsplit('/').next().unwrap();
    fake.sessions()
        .into_iter()
        .find(|session| session.id == id)
        .expect("the redirect goes to a session the fake made")
}

async fn pay(fake: &crate::fake_stripe::FakeStripe, session: &Session) {
    let event = fake.completed_event(session);
    fake.deliver(&event).await;
    fake.deliver(&event).await; // a redelivery changes nothing
}

/// Waits until the outbox is empty and at least `count` messages have arrived.
async fn mail_settles(app: &TestApp, sink: &SmtpSink, count: usize) {
    let database = app.db.clone();
    eventually("the outbox is sent", || {
        let database = database.clone();
        let sink = sink.clone();
        async move {
            sink.received().len() >= count && database.count_unsent_messages().await.unwrap() == 0
        }
    })
    .await;
}

fn content_fee(gift_minor: u64) -> Money {
    let content = sharecare_content::load(&content_dir()).unwrap();
    content
        .giving
        .card_fee
        .rate()
        .cover(Money::new(gift_minor, Currency::Hkd))
}

async fn a_covered_fee_is_charged_with_the_gift_and_the_receipt_says_so(backend: Backend) {
    let sink = SmtpSink::start().await;
    let (app, fake) = stripe_app(backend, Some(&sink)).await;
    let token = token();
    let session = give(
        &app,
        &fake,
        "en",
        &card_gift("300", &token, &[("cover_fee", "yes")]),
    )
    .await;
    let fee = content_fee(30_000);
    // 3.4% + HK$2.35 (the sample content's rate) on HK$313 leaves exactly HK$300.
    assert_eq!(fee.minor, 1_300);
    assert_eq!(
        session.amount(),
        31_300,
        "the checkout charges the gift and the fee"
    );
    assert_eq!(session.param("metadata[fee_minor]"), Some("1300"));
    let donation = donation_of(&app, &session).await;
    assert_eq!(
        donation.amount.minor, 30_000,
        "the gift stays the donor's amount"
    );
    assert_eq!(donation.fee, fee);

    // Without the box, the same amount charges the gift alone.
    let plain_token = crate::helpers::signed_token();
    let plain = give(&app, &fake, "en", &card_gift("300", &plain_token, &[])).await;
    assert_eq!(plain.amount(), 30_000);

    pay(&fake, &session).await;
    mail_settles(&app, &sink, 1).await;
    let paid = donation_of(&app, &session).await;
    assert!(paid.flag.is_none(), "the charge matches: not flagged");
    assert_eq!(paid.status.as_str(), "paid");
    let payments = app.db.payments_for_donation(&paid.id).await.unwrap();
    assert_eq!(payments[0].amount_minor, 31_300);
    let (_, text) = sink.received()[0].parsed();
    // The whole charge is the donation; what the donor added is part of it, not a fee.
    assert!(text.contains("Amount: HK$313"), "{text}");
    let includes =
        "The whole HK$313 is your donation, including the HK$13 you added towards card costs.";
    assert!(text.contains(includes), "{text}");
    assert!(!text.contains("Card fee you covered"), "{text}");
    // The numbered tax receipt's PDF says the same.
    let email_key = paid.email.normalized();
    let receipts = app.db.receipts_of_donor(&email_key).await.unwrap();
    let (_, pdf) = app
        .state
        .donors
        .receipt_pdf(&email_key, &receipts[0].id)
        .await
        .unwrap()
        .expect("the donor's receipt");
    let pdf: String = pdf_extract::extract_text_from_mem(&pdf)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let includes: String = includes.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        pdf.contains("HKD313.00") && pdf.contains(&includes),
        "{pdf}"
    );
    assert!(!pdf.contains("Cardfee"), "{pdf}");
}

async fn a_paid_tribute_tells_its_contact_once_and_a_pledge_tells_no_one(backend: Backend) {
    let sink = SmtpSink::start().await;
    let (app, fake) = stripe_app(backend, Some(&sink)).await;
    let token = token();
    let tribute = [
        ("tribute", "memory"),
        ("honoree_name", "黃婆婆"),
        ("tribute_message", "她教會我們讀書。"),
        ("notify", "yes"),
        ("notify_name", "黃小明"),
        ("notify_email", "ming@example.org"),
    ];
    let session = give(&app, &fake, "zh-hk", &card_gift("100", &token, &tribute)).await;
    // A transfer pledged with a notice, never paid: its contact must hear nothing.
    let pledge_token = crate::helpers::signed_token();
    let pledge = app
        .post_form(
            "/en/donate",
            &card_gift(
                "200",
                &pledge_token,
                &[
                    ("payment_method", "offline"),
                    ("tribute", "honour"),
                    ("honoree_name", "Grandpa Lo"),
                    ("notify", "yes"),
                    ("notify_name", "Lo Ka Yan"),
                    ("notify_email", "pledge.contact@example.org"),
                ],
            ),
        )
        .await;
    assert_eq!(pledge.status(), StatusCode::SEE_OTHER);

    pay(&fake, &session).await;
    // The receipt, the contact's email, and the pledge's payment details to the donor.
    mail_settles(&app, &sink, 3).await;
    let received = sink.received();
    let to = |address: &str| {
        received
            .iter()
            .filter(|message| message.to == vec![format!("<{address}>")])
            .collect::<Vec<_>>()
    };
    let told = to("ming@example.org");
    assert_eq!(told.len(), 1, "exactly one email to the contact");
    let (subject, text) = told[0].parsed();
    assert!(
        subject.contains("紀念黃婆婆"),
        "in the donor's language: {subject}"
    );
    assert!(text.contains("黃小明"), "greets the contact: {text}");
    assert!(text.contains("Lee Wing"), "names the donor: {text}");
    assert!(
        text.contains("她教會我們讀書。"),
        "carries the message: {text}"
    );
    assert!(
        !text.contains("HK$100"),
        "no amount unless the donor chose: {text}"
    );
    let subjects: Vec<String> = to("wing.lee@example.org")
        .iter()
        .map(|message| message.parsed().0)
        .collect();
    assert_eq!(
        subjects.len(),
        2,
        "the receipt and the pledge's payment details: {subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|subject| subject.contains("how to pay")),
        "{subjects:?}"
    );
    assert!(
        to("pledge.contact@example.org").is_empty(),
        "an unpaid pledge tells no one"
    );
    assert_eq!(received.len(), 3);
}

async fn bad_tribute_and_company_fields_are_field_errors_and_store_nothing(backend: Backend) {
    let (app, _fake) = stripe_app(backend, None).await;
    let token = token();
    let response = app
        .post_form(
            "/en/donate",
            &card_gift(
                "300",
                &token,
                &[
                    ("tribute", "honour"),
                    ("honoree_name", "Ms Chan"),
                    ("notify", "yes"),
                    ("notify_name", "Chan Siu Fan"),
                    ("notify_email", "fan@@example"),
                    ("receipt", "company"),
                    ("company_name", ""),
                    ("company_registration", "12-34"),
                ],
            ),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    for (error_id, message) in [
        (
            "notify-email-error",
            "Enter their email address like name@example.com.",
        ),
        (
            "company-name-error",
            "Enter the company&#x27;s name for the receipt.",
        ),
        (
            "company-registration-error",
            "Enter the 8-digit business registration number",
        ),
    ] {
        let at = page
            .find(&format!("id=\"{error_id}\""))
            .unwrap_or_else(|| panic!("{error_id} on the page"));
        let after = &page[at..(at + 400).min(page.len())];
        assert!(
            after.contains(message) || after.contains(&message.replace("&#x27;", "'")),
            "{error_id}: {after}"
        );
    }
    assert!(
        page.contains("value=\"fan@@example\""),
        "the donor's values are kept"
    );
    assert_eq!(app.donation_count().await, 0);
}

async fn a_company_gift_is_receipted_to_the_company(backend: Backend) {
    let sink = SmtpSink::start().await;
    let (app, fake) = stripe_app(backend, Some(&sink)).await;
    let token = token();
    let session = give(
        &app,
        &fake,
        "en",
        &card_gift(
            "5000",
            &token,
            &[
                ("receipt", "company"),
                ("company_name", "Harbour Lights Trading Ltd"),
                ("company_registration", "12345678"),
            ],
        ),
    )
    .await;
    pay(&fake, &session).await;
    mail_settles(&app, &sink, 1).await;
    let (_, text) = sink.received()[0].parsed();
    assert!(
        text.contains("Issued to: Harbour Lights Trading Ltd (BR 12345678)"),
        "{text}"
    );
    let donation = donation_of(&app, &session).await;
    let receipts = app
        .db
        .receipts_of_donor(&donation.email.normalized())
        .await
        .unwrap();
    assert_eq!(
        receipts[0].issued_to.as_deref(),
        Some("Harbour Lights Trading Ltd (BR 12345678)"),
        "the numbered tax receipt too"
    );
}

async fn only_the_embed_may_be_framed_and_it_gives_without_cookies(backend: Backend) {
    let (app, _fake) = stripe_app(backend, None).await;
    let embed = app.get("/embed/en/donate?partner=harbour-school").await;
    assert_eq!(embed.status(), StatusCode::OK);
    let policy = embed.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        policy.contains(
            "frame-ancestors https://www.harbour-primary.example https://tsuenwan-church.example https://www.tsuenwan-church.example;"
        ),
        "{policy}"
    );
    let page = embed.text().await.unwrap();
    assert!(
        page.contains("target=\"_top\""),
        "checkout opens in the top window"
    );
    assert!(page.contains("name=\"partner\" value=\"harbour-school\""));
    for path in [
        "/en",
        "/en/donate",
        "/en/stories/yiyi",
        "/en/privacy",
        "/embed.js",
        "/nowhere",
    ] {
        let response = app.get(path).await;
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .unwrap();
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
    }

    // The form carries everything: no cookie is sent back (a partner's frame has none).
    let field = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = page.find(&marker).unwrap_or_else(|| panic!("{name}")) + marker.len();
        page[start..start + page[start..].find('"').unwrap()].to_string()
    };
    let (token, shown) = (field("token"), field("shown"));
    assert!(
        !token.is_empty() && !shown.is_empty(),
        "the form carries its token and note"
    );
    let response = app
        .post_form(
            "/en/donate",
            &[
                ("frequency", "one_off"),
                ("amount", "300"),
                ("currency", "HKD"),
                ("email", "parent@example.org"),
                ("receipt", "none"),
                ("payment_method", "card"),
                ("token", &token),
                ("shown", &shown),
                ("partner", "harbour-school"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "given without a cookie"
    );
    let donations = app
        .db
        .donations_of_donor("parent@example.org")
        .await
        .unwrap();
    assert_eq!(donations.len(), 1);
    assert_eq!(
        donations[0]
            .attribution
            .partner
            .as_ref()
            .map(|code| code.as_str()),
        Some("harbour-school")
    );

    let script = app.get("/embed.js").await;
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let source = script.text().await.unwrap();
    assert!(
        source.contains("event.origin !== site"),
        "messages from other origins are refused"
    );
}

async fn the_saved_fps_image_needs_the_key_and_scans_to_the_same_payload(backend: Backend) {
    let (app, _fake) = stripe_app(backend, None).await;
    let token = token();
    let response = app
        .post_form(
            "/en/donate",
            &card_gift("250", &token, &[("payment_method", "offline")]),
        )
        .await;
    let gift_page = location(&response);
    let first = app.get(&gift_page).await;
    let cookies = cookies_from(&first);
    let reference = gift_page
        .split('/')
        .nth(3)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let image_path = format!("/en/donations/{reference}/fps-qr.png");
    let page = app
        .client
        .get(app.url(&format!("/en/donations/{reference}")))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("href=\"{image_path}\"")),
        "the page offers the image"
    );
    assert_eq!(
        app.get(&image_path).await.status(),
        StatusCode::NOT_FOUND,
        "not without the key"
    );
    let image = app
        .client
        .get(app.url(&image_path))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()["content-type"], "image/png");
    let disposition = image.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"fps-{reference}.png\"")
    );
    let png = image.bytes().await.unwrap();

    let donation: Donation = app
        .db
        .donation_by_reference(&Reference::parse(&reference).unwrap())
        .await
        .unwrap()
        .unwrap();
    let expected = sharecare_services::payment::fps::gift_payload(&app.state.content, &donation);
    assert_eq!(
        decode_qr(&png),
        expected,
        "the image scans to the page's payload"
    );
    assert!(expected.contains("250.00"), "with the amount");
    assert!(expected.contains(&reference), "and the reference");
}

/// Reads the QR code in a PNG, as a banking app's scanner would.
pub(crate) fn decode_qr(png: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let channels = info.color_type.samples();
    let (width, height) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        pixels[(y * width + x) * channels]
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().unwrap().1
}

async fn attribution_is_stored_cleaned_and_broken_down_for_staff(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    // A reader arrives from a newsletter link with hostile tags; the page still answers.
    let hostile = "%3Cscript%3Ealert(1)%3C%2Fscript%3E".repeat(20);
    let landing = app
        .get(&format!("/en/stories/lele?utm_source=newsletter&utm_medium=email&utm_campaign={hostile}&partner=Tsuen-Wan-Church"))
        .await;
    assert_eq!(landing.status(), StatusCode::OK);
    let cookies = cookies_from(&landing);
    let remembered = cookies
        .split("; ")
        .find_map(|pair| pair.strip_prefix("sharecare_from="))
        .unwrap_or_else(|| panic!("the visit's tags are remembered: {cookies}"));
    assert!(
        !remembered.contains(['<', ' ', ';', ',']),
        "encoded for a cookie: {remembered}"
    );
    // Wild values straight in the form never fail a gift either.
    let token = token();
    let wild = "\u{0}💥".repeat(300);
    let response = app
        .client
        .post(app.url("/en/donate"))
        .header("cookie", &cookies)
        .form(&card_gift(
            "400",
            &token,
            &[("story", "lele"), ("utm_medium", &wild)],
        ))
        .send()
        .await
        .unwrap();
    let target = location(&response);
    let session = fake
        .sessions()
        .into_iter()
        .find(|session| target.ends_with(&session.id))
        .unwrap();
    let donation = donation_of(&app, &session).await;
    let attribution = &donation.attribution;
    assert_eq!(attribution.source.as_ref().unwrap().as_str(), "newsletter");
    assert_eq!(
        attribution
            .medium
            .as_ref()
            .unwrap()
            .as_str()
            .chars()
            .count(),
        64,
        "the form's own value, cut"
    );
    assert!(!attribution
        .medium
        .as_ref()
        .unwrap()
        .as_str()
        .contains('\u{0}'));
    let campaign = attribution.campaign.as_ref().unwrap().as_str();
    assert!(
        campaign.starts_with("<script>") && campaign.chars().count() == 64,
        "{campaign}"
    );
    assert_eq!(
        attribution.partner.as_ref().unwrap().as_str(),
        "tsuen-wan-church"
    );
    assert_eq!(attribution.story.as_ref().unwrap().as_str(), "lele");
    // A story that is not ours is not recorded.
    let other = crate::helpers::signed_token();
    let response = app
        .post_form(
            "/en/donate",
            &card_gift("150", &other, &[("story", "no-such-story")]),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    pay(&fake, &session).await;
    let database = app.db.clone();
    eventually("the gift is paid", || {
        let database = database.clone();
        async move {
            !database
                .received_by(Breakdown::Partner)
                .await
                .unwrap()
                .is_empty()
        }
    })
    .await;
    let by = |breakdown| {
        let database = app.db.clone();
        async move { database.received_by(breakdown).await.unwrap() }
    };
    let partners = by(Breakdown::Partner).await;
    assert_eq!(partners[0].key, "tsuen-wan-church");
    assert_eq!(partners[0].amount_minor, 40_000);
    assert_eq!(by(Breakdown::Source).await[0].key, "newsletter");
    assert_eq!(by(Breakdown::Story).await[0].key, "lele");
    let campaigns = by(Breakdown::Campaign).await;
    assert_eq!(campaigns[0].key, campaign);
    // The dashboard names a listed partner and escapes what the link carried.
    let figures = app.state.records.figures().await.unwrap();
    assert_eq!(
        figures.by_partner[0].key,
        "Tsuen Wan community church (tsuen-wan-church)"
    );
}

/// Banking apps content lists open the payment from the gift's page, with its details filled in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_banking_apps_open_the_payment_with_its_details() {
    let content = tempfile::tempdir().unwrap();
    crate::helpers::copy_dir(&content_dir(), content.path());
    let giving = content.path().join("giving.toml");
    let mut text = std::fs::read_to_string(&giving).unwrap();
    text.push_str(
        "\n[[fps_apps]]\nurl = \"https://bank.example/fps/pay?proxy={fps_id}&amount={amount}&ref={reference}\"\n\
         [fps_apps.name]\nen = \"Example Bank\"\nzh-hk = \"示例銀行\"\nzh-cn = \"示例银行\"\n",
    );
    std::fs::write(&giving, text).unwrap();
    let app = crate::helpers::spawn_app_with_content(content.path()).await;
    let token = token();
    let response = app
        .post_form(
            "/en/donate",
            &card_gift("250", &token, &[("payment_method", "offline")]),
        )
        .await;
    let gift_page = location(&response);
    let reference = gift_page
        .split('/')
        .nth(3)
        .and_then(|part| part.split('?').next())
        .unwrap()
        .to_string();
    let page = app.open_gift_page(&gift_page).await.text().await.unwrap();
    let fps_id = &app.state.content.organisation.fps_id;
    let encoded: String = fps_id
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let href = format!(
        "https://bank.example/fps/pay?proxy={encoded}&amp;amount=250.00&amp;ref={reference}"
    );
    assert!(
        page.contains(&format!("href=\"{href}\">Pay with Example Bank</a>")),
        "{href} in the page"
    );
}
