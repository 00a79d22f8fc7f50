//! `/{locale}/donations/{reference}?key=...`: the donor's own page after giving. It shows the
//! reference, the amount and how to pay offline (FPS QR code or bank transfer), quoting the
//! reference. The handler (`http::giving::gift_page`) checks the key and supplies the gift.

use leptos::prelude::*;

use crate::components::layout::Layout;
use crate::components::share::ShareBar;
use crate::pages::contact_sentence;
use sharecare_content::i18n::{fill, t};
use sharecare_content::paths::{self, CheckoutReturn, Page};
use sharecare_domain::donation::Donation;
use sharecare_domain::status::DonationStatus;
use sharecare_domain::Locale;
use sharecare_islands::{CopyButtons, PaymentWatcher};
use sharecare_services::payment::fps::gift_payload;
use sharecare_services::qr::qr_svg;
use sharecare_services::state::AppState;

/// `donation` was found by the handler with the right key; `returned` says how the donor came
/// back from the hosted checkout, if they just did.
#[component]
pub fn GiftPage(
    locale: Locale,
    donation: Donation,
    returned: Option<CheckoutReturn>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let content = &state.content;
    let org = &content.organisation;
    let m = t(locale);
    let amount = donation.amount;
    // What each payment is: the gift and any card fee the donor chose to cover.
    let charged = donation.charged();
    let fee_line = (donation.fee.minor > 0).then(|| {
        view! {
            <p class="fee-line">
                {fill(
                    m.thanks_fee_line,
                    &[("fee", &donation.fee.to_string()), ("total", &charged.to_string())],
                )}
            </p>
        }
    });
    let monthly = donation.is_monthly();
    let status = donation.status;
    let paid = status == DonationStatus::Paid;
    let by_card = donation.by_card();
    let reference = donation.reference.as_str().to_string();
    let heading = match &donation.donor_name {
        Some(name) => fill(m.thanks_heading_named, &[("name", name.as_str())]),
        None => m.thanks_heading.to_string(),
    };
    // "Pledged" until the money is there, "given" once it is.
    let gift_line = fill(
        match (monthly, paid) {
            (true, false) => m.thanks_gift_monthly,
            (false, false) => m.thanks_gift_one_off,
            (true, true) => m.thanks_gave_monthly,
            (false, true) => m.thanks_gave_one_off,
        },
        &[("amount", &amount.to_string())],
    );
    let qr = qr_svg(&gift_payload(content, &donation));
    let qr_png = paths::fps_qr(locale, &donation.reference);
    let qr_file = format!("fps-{}.png", donation.reference.as_str());
    let plain_amount = charged.plain_decimal();
    let apps = fps_app_links(locale, &donation, &content.giving.fps_apps, &org.fps_id);
    let copyable = move |value: String| {
        view! {
            <dd>
                <span class="copy-value">{value.clone()}</span>
                " "
                <button type="button" class="copy-button" data-copy=value data-copied=m.thanks_copied hidden>
                    {m.thanks_copy}
                </button>
            </dd>
        }
    };
    let page = Page::Gift(donation.reference.clone());
    // Donors share the story their gift came from (else the campaign), never their own gift's
    // secret address.
    let shared_story = donation
        .attribution
        .story
        .as_ref()
        .and_then(|slug| content.story(slug.as_str()));
    let share_url = paths::absolute(
        &state.site.public_base_url,
        &shared_story.map_or_else(
            || paths::home(locale),
            |story| paths::story(locale, &story.slug),
        ),
    );

    // Transfer details for a pending gift, also offered when a card payment was not completed;
    // not while a card payment is being confirmed.
    let confirming = by_card && returned == Some(CheckoutReturn::Success);
    let (fps_id_cell, amount_cell, reference_cell) = (
        copyable(org.fps_id.clone()),
        copyable(plain_amount.clone()),
        copyable(reference.clone()),
    );
    let (bank_name, account_name) = (
        org.bank.bank_name.get(locale).clone(),
        org.bank.account_name.clone(),
    );
    let (account_cell, bank_amount_cell, bank_reference_cell) = (
        copyable(org.bank.account_number.clone()),
        copyable(plain_amount.clone()),
        copyable(reference.clone()),
    );
    let how_to_pay = (status == DonationStatus::Pending && donation.flag.is_none() && !confirming).then(|| {
        view! {
            <section class="pay" aria-labelledby="pay-heading">
                <h2 id="pay-heading">{m.thanks_pay_heading}</h2>
                <p>{fill(m.thanks_pay_intro, &[("reference", &reference)])}</p>
                {monthly.then(|| view! { <p>{m.thanks_pay_monthly}</p> })}
                <div class="pay-methods">
                    <section class="pay-method" aria-labelledby="fps-heading">
                        <h3 id="fps-heading">{m.thanks_fps_heading}</h3>
                        <figure class="fps-qr">
                            <div class="qr" role="img" aria-label=m.thanks_fps_qr_label inner_html=qr></div>
                            <figcaption>{m.thanks_fps_qr_caption}</figcaption>
                        </figure>
                        <p class="fps-save">
                            <a class="button button-secondary" href=qr_png download=qr_file>{m.thanks_fps_save}</a>
                            <span class="hint">{m.thanks_fps_save_hint}</span>
                        </p>
                        {apps}
                        <CopyButtons>
                            <dl class="pay-details">
                                <dt>{m.thanks_fps_id}</dt>{fps_id_cell}
                                <dt>{m.thanks_amount}</dt>{amount_cell}
                                <dt>{m.thanks_reference}</dt>{reference_cell}
                            </dl>
                        </CopyButtons>
                    </section>
                    <section class="pay-method" aria-labelledby="bank-heading">
                        <h3 id="bank-heading">{m.thanks_bank_heading}</h3>
                        <CopyButtons>
                            <dl class="pay-details">
                                <dt>{m.thanks_bank_name}</dt><dd>{bank_name}</dd>
                                <dt>{m.thanks_account_name}</dt><dd>{account_name}</dd>
                                <dt>{m.thanks_account_number}</dt>{account_cell}
                                <dt>{m.thanks_amount}</dt>{bank_amount_cell}
                                <dt>{m.thanks_reference}</dt>{bank_reference_cell}
                            </dl>
                        </CopyButtons>
                    </section>
                </div>
            </section>
        }
        .into_any()
    });
    let ended = donation
        .ended_at
        .is_some()
        .then(|| view! { <p>{m.thanks_monthly_ended}</p> });
    let card_status = by_card.then(|| card_payment_status(locale, &donation, status, returned));
    let next_steps = if paid {
        view! { <p class="status-paid" data-payment-status=DonationStatus::Paid.as_str()>{m.thanks_received}</p> }
            .into_any()
    } else if donation.flag.is_some() {
        view! { <p class="status-checking">{m.thanks_flagged}</p> }.into_any()
    } else if by_card {
        ().into_any()
    } else {
        let receipt_line = if donation.receipt.wanted() {
            m.thanks_next_receipt
        } else {
            m.thanks_next_no_receipt
        };
        view! {
            <ol class="next-steps">
                <li>{m.thanks_next_pay}</li>
                <li>{m.thanks_next_confirm}</li>
                <li>{receipt_line}</li>
            </ol>
        }
        .into_any()
    };

    let body = view! {
            <section class="thanks" aria-labelledby="thanks-heading">
                <div class="wrap">
                    <h1 id="thanks-heading">{heading}</h1>
                    <p class="lead">{gift_line}</p>
                    {fee_line}
                    <p class="reference-line">
                        {m.thanks_reference_intro}" "
                        <strong class="reference" data-reference>{reference.clone()}</strong>
                    </p>
                    <h2>{m.thanks_next_heading}</h2>
                    {next_steps}
                    {ended}
                    {card_status}
                    {how_to_pay}
                    <p class="manage-link"><a href=paths::my_gifts(locale)>{m.my_manage_link}</a></p>
                    <p class="hint">{contact_sentence(m.thanks_questions, org)}</p>
                </div>
            </section>
            <ShareBar locale url=share_url text=m.share_thanks_text.to_string()/>
    };
    view! {
        <Layout locale page title=m.thanks_title description=m.thanks_title noindex=true>
            {body}
        </Layout>
    }
}

/// Links that open the payment in a banking app on the same phone, for the apps content lists
/// (their documented link formats, with the gift's details filled in).
fn fps_app_links(
    locale: Locale,
    donation: &Donation,
    apps: &[sharecare_content::FpsApp],
    fps_id: &str,
) -> Option<impl IntoView> {
    if apps.is_empty() {
        return None;
    }
    let m = t(locale);
    let amount = donation.charged().plain_decimal();
    let links = apps
        .iter()
        .map(|app| {
            let href = app
                .url
                .replace("{fps_id}", &percent_encode(fps_id))
                .replace("{amount}", &amount)
                .replace("{reference}", donation.reference.as_str());
            let label = fill(m.thanks_fps_open_app, &[("app", app.name.get(locale))]);
            view! { <li><a href=href>{label}</a></li> }
        })
        .collect_view();
    Some(view! { <ul class="fps-apps">{links}</ul> })
}

/// Percent-encodes everything but unreserved characters (an FPS ID may be an email or phone).
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where a card gift stands while it is not yet paid: being confirmed (the donor just paid),
/// not completed (with a button back to the checkout), or expired.
fn card_payment_status(
    locale: Locale,
    donation: &Donation,
    status: DonationStatus,
    returned: Option<CheckoutReturn>,
) -> AnyView {
    let m = t(locale);
    if donation.flag.is_some() || status == DonationStatus::Paid {
        return ().into_any();
    }
    if status == DonationStatus::Expired || status == DonationStatus::Cancelled {
        return view! {
            <p class="status-closed">
                {m.thanks_card_expired}" "
                <a href=paths::new_gift(locale)>{m.previous_gift_new}</a>
            </p>
        }
        .into_any();
    }
    if returned == Some(CheckoutReturn::Success) {
        let stream = paths::donation_status(&donation.reference);
        return view! {
            <PaymentWatcher>
                <div class="status-confirming" role="status">
                    <p data-payment-status=DonationStatus::Pending.as_str() data-stream=stream data-paid-text=m.thanks_received>
                        {m.thanks_card_confirming}
                    </p>
                    <p class="hint" data-payment-hint>{m.thanks_card_confirming_hint}" "{m.thanks_next_card_receipt}</p>
                </div>
            </PaymentWatcher>
        }
        .into_any();
    }
    let problem = (returned == Some(CheckoutReturn::Unavailable))
        .then(|| view! { <p class="form-summary" role="alert">{m.form_checkout_failed}</p> });
    view! {
        <div class="card-checkout">
            {problem}
            <p>{m.thanks_card_not_paid}</p>
            <form
                method="post"
                action=paths::continue_checkout(locale, &donation.reference)
            >
                <input type="hidden" name="key" value=donation.access_key.clone()/>
                <button type="submit" class="button">{m.thanks_card_continue}</button>
            </form>
            <p>{m.thanks_card_or_offline}</p>
        </div>
    }
    .into_any()
}
