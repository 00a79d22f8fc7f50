use leptos::prelude::*;

use crate::live_root;

/// Wraps the server-rendered donation form (see `components::donation_form`). The form works
/// on its own; once hydrated, this checks fields as the donor leaves them, using the same
/// domain types as the server, shows every problem at once before a submit leaves the page,
/// selects "other amount" when one is typed, keeps the "cover the fee" figure in step with the
/// amount (the same function the server charges with), and ignores a second click while
/// submitting.
#[island]
pub fn DonationEnhancer(children: Children) -> impl IntoView {
    live_root("donation-widget", children, |root| {
        #[cfg(feature = "hydrate")]
        browser::enhance(root);
        #[cfg(not(feature = "hydrate"))]
        let _ = root;
    })
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use wasm_bindgen::JsCast;
    use web_sys::{Element, Event, HtmlElement, HtmlInputElement};

    use crate::on;
    use sharecare_domain::fees::FeeRate;
    use sharecare_domain::form::{DonationForm, Field, FieldError, GivingRules};
    use sharecare_domain::money::{AmountLimits, Currency};

    /// The fields the donor can correct, with their error element and their input.
    const FIELDS: [(Field, &str, &str); 14] = [
        (Field::Frequency, "frequency-error", "donate-frequency"),
        (Field::Amount, "amount-error", "donate-custom-amount"),
        (Field::Email, "email-error", "donate-email"),
        (Field::Name, "name-error", "donate-name"),
        (Field::Receipt, "receipt-error", "donate-receipt"),
        (
            Field::ReceiptName,
            "receipt-name-error",
            "donate-receipt-name",
        ),
        (Field::PaymentMethod, "method-error", "donate-method"),
        (
            Field::CompanyName,
            "company-name-error",
            "donate-company-name",
        ),
        (
            Field::CompanyRegistration,
            "company-registration-error",
            "donate-company-registration",
        ),
        (Field::Tribute, "tribute-error", "donate-tribute"),
        (
            Field::HonoreeName,
            "honoree-name-error",
            "donate-honoree-name",
        ),
        (
            Field::TributeMessage,
            "tribute-message-error",
            "donate-tribute-message",
        ),
        (Field::NotifyName, "notify-name-error", "donate-notify-name"),
        (
            Field::NotifyEmail,
            "notify-email-error",
            "donate-notify-email",
        ),
    ];

    pub fn enhance(root: &Element) {
        let Some(form) = root.query_selector("form.donation-form").ok().flatten() else {
            return;
        };
        let Some(rules) = rules_of(&form) else {
            return;
        };
        show_fee(&form, rules);
        let touched: Rc<RefCell<Vec<Field>>> = Rc::default();
        let submitting = Rc::new(Cell::new(false));

        let target_form = form.clone();
        let submitting_now = submitting.clone();
        let touched_fields = touched.clone();
        on(&form, "submit", move |event: Event| {
            if submitting_now.get() {
                // A second click while the first submit is on its way: the server would
                // return the same donation anyway, but there is no need to ask twice.
                event.prevent_default();
                return;
            }
            let errors = problems(&target_form, rules);
            show(&target_form, &errors, |_| true);
            // Every field has now been shown to the donor: keep them all up to date.
            *touched_fields.borrow_mut() = FIELDS.iter().map(|(field, _, _)| *field).collect();
            // The token is the server's business (a shared page's form carries it in a cookie).
            if let Some(first) = errors.iter().find(|e| e.field != Field::Token) {
                event.prevent_default();
                if let Some((_, _, input)) = FIELDS.iter().find(|(f, _, _)| *f == first.field) {
                    focus(&target_form, input);
                }
            } else {
                submitting_now.set(true);
                if let Some(button) = by_id(&target_form, "donate-submit") {
                    let _ = button.set_attribute("aria-disabled", "true");
                }
            }
        });

        // Coming back with the Back button restores this page as it was, mid-submit: let the
        // donor submit again (the same token finds the same donation).
        let target_form = form.clone();
        let restored = submitting.clone();
        on(&leptos::prelude::window(), "pageshow", move |_: Event| {
            restored.set(false);
            if let Some(button) = by_id(&target_form, "donate-submit") {
                let _ = button.remove_attribute("aria-disabled");
            }
        });

        let target_form = form.clone();
        let touched_fields = touched.clone();
        on(&form, "change", move |event: Event| {
            let Some(name) = input_name(&event) else {
                return;
            };
            let fields: &[Field] = match name.as_str() {
                "amount" | "custom_amount" => &[Field::Amount],
                "email" => &[Field::Email],
                "name" => &[Field::Name],
                "receipt" | "receipt_name" | "company_name" | "company_registration" => &[
                    Field::Receipt,
                    Field::ReceiptName,
                    Field::Name,
                    Field::CompanyName,
                    Field::CompanyRegistration,
                ],
                "frequency" => &[Field::Frequency],
                "tribute" | "honoree_name" | "tribute_message" => {
                    &[Field::Tribute, Field::HonoreeName, Field::TributeMessage]
                }
                "notify" | "notify_name" | "notify_email" => {
                    &[Field::NotifyName, Field::NotifyEmail]
                }
                _ => &[],
            };
            let mut touched = touched_fields.borrow_mut();
            for field in fields {
                if !touched.contains(field) {
                    touched.push(*field);
                }
            }
            let errors = problems(&target_form, rules);
            show(&target_form, &errors, |field| touched.contains(&field));
            show_fee(&target_form, rules);
        });

        // While the donor types, a message they have already seen goes away as soon as the
        // field is right (new messages wait until they leave the field). Clearing here, not
        // on leaving, keeps the submit button from moving under a click that blurs the field.
        let target_form = form.clone();
        let touched_fields = touched.clone();
        on(&form, "input", move |event: Event| {
            if input_name(&event).as_deref() == Some("custom_amount") {
                if let Some(other) = by_id(&target_form, "donate-amount-other")
                    .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
                {
                    other.set_checked(true);
                }
            }
            show_fee(&target_form, rules);
            let touched = touched_fields.borrow();
            let errors = problems(&target_form, rules);
            show(&target_form, &errors, |field| {
                touched.contains(&field) && !errors.iter().any(|e| e.field == field)
            });
        });
    }

    fn rules_of(form: &Element) -> Option<GivingRules> {
        let number = |name: &str| form.get_attribute(name)?.parse::<u64>().ok();
        Some(GivingRules {
            currency: Currency::from_code(&value(form, "input[name=currency]"))?,
            limits: AmountLimits {
                min_minor: number("data-min-minor")?,
                max_minor: number("data-max-minor")?,
            },
            card_payments: form.has_attribute("data-card-payments"),
            card_fee: FeeRate {
                basis_points: u32::try_from(number("data-fee-bp")?).ok()?,
                fixed_minor: number("data-fee-fixed")?,
            },
        })
    }

    /// The fee "cover the fee" adds to the amount now chosen (blank while it does not parse);
    /// the box goes away while a transfer, which costs nothing, is chosen.
    fn show_fee(form: &Element, rules: GivingRules) {
        if let Some(figure) = by_id(form, "fee-figure") {
            let fee = read(form).fee_preview(rules).map(|fee| fee.to_string());
            figure.set_text_content(Some(fee.as_deref().unwrap_or("")));
        }
        if let Ok(Some(block)) = form.query_selector(".cover-fee") {
            let transfer = value(form, "input[name=payment_method]:checked") == "offline";
            let _ = if transfer {
                block.set_attribute("hidden", "")
            } else {
                block.remove_attribute("hidden")
            };
        }
    }

    fn problems(form: &Element, rules: GivingRules) -> Vec<FieldError> {
        read(form).parse(rules).err().unwrap_or_default()
    }

    fn read(form: &Element) -> DonationForm {
        let ticked = |name: &str| {
            form.query_selector(&format!("input[name={name}]"))
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
                .is_some_and(|input| input.checked())
                .then(|| "yes".to_string())
        };
        DonationForm {
            frequency: value(form, "input[name=frequency]:checked"),
            amount: value(form, "input[name=amount]:checked"),
            custom_amount: value(form, "input[name=custom_amount]"),
            currency: value(form, "input[name=currency]"),
            email: value(form, "input[name=email]"),
            name: value(form, "input[name=name]"),
            receipt: value(form, "input[name=receipt]:checked"),
            receipt_name: value(form, "input[name=receipt_name]"),
            marketing: ticked("marketing"),
            cover_fee: ticked("cover_fee"),
            tribute: value(form, "input[name=tribute]:checked"),
            honoree_name: value(form, "input[name=honoree_name]"),
            tribute_message: text_area(form, "textarea[name=tribute_message]"),
            notify: ticked("notify"),
            notify_name: value(form, "input[name=notify_name]"),
            notify_email: value(form, "input[name=notify_email]"),
            notify_amount: ticked("notify_amount"),
            company_name: value(form, "input[name=company_name]"),
            company_registration: value(form, "input[name=company_registration]"),
            token: value(form, "input[name=token]"),
            referral: value(form, "input[name=referral]"),
            payment_method: value(form, "input[name=payment_method]:checked"),
            // Only the server reads these.
            ..DonationForm::default()
        }
    }

    /// Writes each field's message (or clears it) for the fields `visible` lets through.
    fn show(form: &Element, errors: &[FieldError], visible: impl Fn(Field) -> bool) {
        for (field, error_id, input_id) in FIELDS {
            if !visible(field) {
                continue;
            }
            let problem = errors.iter().find(|e| e.field == field).map(|e| e.problem);
            let message = problem.and_then(|problem| {
                form.query_selector(&format!(
                    ".form-messages [data-code=\"{}\"]",
                    problem.code()
                ))
                .ok()
                .flatten()
                .and_then(|element| element.text_content())
            });
            if let Some(element) = by_id(form, error_id) {
                element.set_text_content(message.as_deref());
            }
            if let Some(input) = by_id(form, input_id) {
                let _ = match problem {
                    Some(_) => input.set_attribute("aria-invalid", "true"),
                    None => input.remove_attribute("aria-invalid"),
                };
            }
        }
    }

    fn value(form: &Element, selector: &str) -> String {
        form.query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            .map(|input| input.value())
            .unwrap_or_default()
    }

    fn text_area(form: &Element, selector: &str) -> String {
        form.query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
            .map(|area| area.value())
            .unwrap_or_default()
    }

    fn by_id(form: &Element, id: &str) -> Option<Element> {
        form.query_selector(&format!("#{id}")).ok().flatten()
    }

    fn focus(form: &Element, id: &str) {
        if let Some(element) = by_id(form, id).and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            let _ = element.focus();
        }
    }

    fn input_name(event: &Event) -> Option<String> {
        event
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .and_then(|element| element.get_attribute("name"))
    }
}
