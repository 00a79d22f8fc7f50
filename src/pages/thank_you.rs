//! `/{locale}/donations/{reference}?key=...`: the donor's own page after giving. It shows the
//! reference, the amount and how to pay offline (FPS QR code or bank transfer), quoting the
//! reference. The handler (`server::giving::thank_you`) checks the key and supplies the gift.

use leptos::prelude::*;

use crate::components::layout::Layout;
use crate::components::share::ShareBar;
use crate::domain::donation::{DonationStatus, Frequency, PaymentMethod};
use crate::domain::Locale;
use crate::i18n::{fill, t};
use crate::islands::PaymentWatcher;
use crate::pages::{contact_sentence, not_found::NotFound, route_locale};
use crate::server::db::DonationRow;
use crate::server::payment::{fps_payload, qr_svg};
use crate::server::state::AppState;

/// The donation the page is about, found by the handler with the right key.
#[derive(Debug, Clone)]
pub struct ThankYouDonation {
    pub donation: DonationRow,
    /// How the donor came back from the hosted checkout, if they just did.
    pub returned: Option<CheckoutReturn>,
}

/// The `checkout=` value of the addresses the hosted checkout returns donors to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutReturn {
    /// The donor paid; the webhook confirming it may not have arrived yet.
    Success,
    /// The donor left the checkout without paying.
    Cancelled,
    /// The checkout could not be reached when the donor asked to continue.
    Unavailable,
}

impl CheckoutReturn {
    pub fn parse(value: &str) -> Option<CheckoutReturn> {
        match value {
            "success" => Some(CheckoutReturn::Success),
            "cancelled" => Some(CheckoutReturn::Cancelled),
            "unavailable" => Some(CheckoutReturn::Unavailable),
            _ => None,
        }
    }
}

#[component]
pub fn ThankYouPage() -> impl IntoView {
    match (route_locale(), use_context::<ThankYouDonation>()) {
        (Some(locale), Some(ThankYouDonation { donation, returned })) => {
            view! { <ThankYou locale donation returned/> }.into_any()
        }
        _ => view! { <NotFound/> }.into_any(),
    }
}

#[component]
fn ThankYou(
    locale: Locale,
    donation: DonationRow,
    returned: Option<CheckoutReturn>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let content = &state.content;
    let org = &content.organisation;
    let m = t(locale);
    let amount = content.money(u64::try_from(donation.amount_minor).unwrap_or(0));
    let monthly = Frequency::parse(&donation.frequency) == Some(Frequency::Monthly);
    let status = DonationStatus::parse(&donation.status).unwrap_or(DonationStatus::Pending);
    let paid = status == DonationStatus::Paid;
    let by_card = PaymentMethod::parse(&donation.payment_method) == Some(PaymentMethod::Card);
    let reference = donation.reference.clone();
    let heading = match &donation.donor_name {
        Some(name) => fill(m.thanks_heading_named, &[("name", name)]),
        None => m.thanks_heading.to_string(),
    };
    let gift_line = fill(
        if monthly {
            m.thanks_gift_monthly
        } else {
            m.thanks_gift_one_off
        },
        &[("amount", &amount.to_string())],
    );
    let qr = qr_svg(&fps_payload(
        &org.fps_id,
        &org.bank.account_name,
        amount,
        &reference,
    ));
    let path = format!("/donations/{reference}?key={}", donation.access_key);
    // Donors share the campaign, never their own gift's secret address.
    let share_url = format!("{}/{}", state.site.public_base_url, locale.code());

    // Transfer details for a pending gift, also offered when a card payment was not completed;
    // not while a card payment is being confirmed.
    let confirming = by_card && returned == Some(CheckoutReturn::Success);
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
                        <dl class="pay-details">
                            <dt>{m.thanks_fps_id}</dt><dd>{org.fps_id.clone()}</dd>
                            <dt>{m.thanks_amount}</dt><dd>{amount.to_string()}</dd>
                            <dt>{m.thanks_reference}</dt><dd>{reference.clone()}</dd>
                        </dl>
                    </section>
                    <section class="pay-method" aria-labelledby="bank-heading">
                        <h3 id="bank-heading">{m.thanks_bank_heading}</h3>
                        <dl class="pay-details">
                            <dt>{m.thanks_bank_name}</dt><dd>{org.bank.bank_name.get(locale).clone()}</dd>
                            <dt>{m.thanks_account_name}</dt><dd>{org.bank.account_name.clone()}</dd>
                            <dt>{m.thanks_account_number}</dt><dd>{org.bank.account_number.clone()}</dd>
                            <dt>{m.thanks_amount}</dt><dd>{amount.to_string()}</dd>
                            <dt>{m.thanks_reference}</dt><dd>{reference.clone()}</dd>
                        </dl>
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
        view! { <p class="status-paid" data-payment-status="paid">{m.thanks_received}</p> }
            .into_any()
    } else if donation.flag.is_some() {
        view! { <p class="status-checking">{m.thanks_flagged}</p> }.into_any()
    } else if by_card {
        ().into_any()
    } else {
        let receipt_line = match donation.receipt.as_str() {
            "none" => m.thanks_next_no_receipt,
            _ => m.thanks_next_receipt,
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
                    <p class="reference-line">
                        {m.thanks_reference_intro}" "
                        <strong class="reference" data-reference>{reference.clone()}</strong>
                    </p>
                    <h2>{m.thanks_next_heading}</h2>
                    {next_steps}
                    {ended}
                    {card_status}
                    {how_to_pay}
                    <p class="hint">{contact_sentence(m.thanks_questions, org)}</p>
                </div>
            </section>
            <ShareBar locale url=share_url text=m.share_thanks_text.to_string()/>
    };
    view! {
        <Layout locale path title=m.thanks_title description=m.thanks_title noindex=true>
            {body}
        </Layout>
    }
}

/// Where a card gift stands while it is not yet paid: being confirmed (the donor just paid),
/// not completed (with a button back to the checkout), or expired.
fn card_payment_status(
    locale: Locale,
    donation: &DonationRow,
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
                <a href=format!("/{}/donate?new_gift=1", locale.code())>{m.previous_gift_new}</a>
            </p>
        }
        .into_any();
    }
    if returned == Some(CheckoutReturn::Success) {
        let stream = format!(
            "/api/donations/{}/status?key={}",
            donation.reference, donation.access_key
        );
        return view! {
            <PaymentWatcher>
                <div class="status-confirming" role="status">
                    <p data-payment-status="pending" data-stream=stream data-paid-text=m.thanks_received>
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
                action=format!("/{}/donations/{}/checkout", locale.code(), donation.reference)
            >
                <input type="hidden" name="key" value=donation.access_key.clone()/>
                <button type="submit" class="button">{m.thanks_card_continue}</button>
            </form>
            <p>{m.thanks_card_or_offline}</p>
        </div>
    }
    .into_any()
}
