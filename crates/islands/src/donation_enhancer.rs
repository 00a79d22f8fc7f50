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
    use sharecare_domain::donation::PaymentMethod;
    use sharecare_domain::fees::FeeRate;
    use sharecare_domain::form::inputs;
    use sharecare_domain::form::{DonationForm, Field, FieldError, GivingRules};
    use sharecare_domain::money::{AmountLimits, Currency};

    /// The fields the donor can correct (the token and the currency are the page's own), with
    /// their input's id and error element (their [`Field::input`]).
    const FIELDS: [(Field, &str, Option<&str>); 14] = shown_at([
        Field::Frequency,
        Field::Amount,
        Field::Email,
        Field::Name,
        Field::Receipt,
        Field::ReceiptName,
        Field::PaymentMethod,
        Field::CompanyName,
        Field::CompanyRegistration,
        Field::Tribute,
        Field::HonoreeName,
        Field::TributeMessage,
        Field::NotifyName,
        Field::NotifyEmail,
    ]);

    /// Where each field's problems are shown, looked up at compile time: the island carries
    /// the ids it needs and nothing more of the form's inputs.
    const fn shown_at<const N: usize>(
        fields: [Field; N],
    ) -> [(Field, &'static str, Option<&'static str>); N] {
        let mut shown = [(Field::Token, "", None); N];
        let mut i = 0;
        while i < N {
            let input = fields[i].input();
            shown[i] = (fields[i], input.id, input.error_id);
            i += 1;
        }
        shown
    }

    /// The field a changed input belongs to, whose problems the donor may now see. A choice
    /// that brings other fields into view (a company receipt, "other amount", a tribute) marks
    /// only itself: the fields it reveals wait until the donor has been in them and left, so
    /// choosing "A receipt for my company" does not greet them with "Company name is needed".
    /// Every field already seen is still checked again on each change, so a message goes away
    /// when a choice makes it no longer apply.
    fn field_of(input_name: &str) -> Option<Field> {
        FIELDS
            .iter()
            .map(|(field, _, _)| *field)
            .find(|field| field.input().name == input_name)
    }

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
                if let Some((_, input, _)) = FIELDS.iter().find(|(f, _, _)| *f == first.field) {
                    focus(&target_form, input);
                }
            } else {
                submitting_now.set(true);
                if let Some(button) = by_id(&target_form, inputs::SUBMIT_ID) {
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
            if let Some(button) = by_id(&target_form, inputs::SUBMIT_ID) {
                let _ = button.remove_attribute("aria-disabled");
            }
        });

        let target_form = form.clone();
        let touched_fields = touched.clone();
        on(&form, "change", move |event: Event| {
            let Some(name) = input_name(&event) else {
                return;
            };
            let mut touched = touched_fields.borrow_mut();
            if let Some(field) = field_of(&name) {
                if !touched.contains(&field) {
                    touched.push(field);
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
            if input_name(&event).as_deref() == Some(inputs::CUSTOM_AMOUNT.name) {
                if let Some(other) = by_id(&target_form, inputs::OTHER_AMOUNT_ID)
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
            currency: Currency::from_code(&value(form, inputs::CURRENCY.name, ""))?,
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
        if let Some(figure) = by_id(form, inputs::FEE_FIGURE_ID) {
            let fee = read(form).fee_preview(rules).map(|fee| fee.to_string());
            figure.set_text_content(Some(fee.as_deref().unwrap_or("")));
        }
        if let Ok(Some(block)) = form.query_selector(".cover-fee") {
            let transfer = value(form, inputs::PAYMENT_METHOD.name, CHECKED)
                == PaymentMethod::Offline.as_str();
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
        let text = |name: &str| value(form, name, "");
        let choice = |name: &str| value(form, name, CHECKED);
        let ticked = |name: &str| {
            let checked = named(form, "input", name, CHECKED).is_some();
            checked.then(|| "yes".to_string())
        };
        DonationForm {
            frequency: choice(inputs::FREQUENCY.name),
            amount: choice(inputs::AMOUNT.name),
            custom_amount: text(inputs::CUSTOM_AMOUNT.name),
            currency: text(inputs::CURRENCY.name),
            email: text(inputs::EMAIL.name),
            name: text(inputs::NAME.name),
            receipt: choice(inputs::RECEIPT.name),
            receipt_name: text(inputs::RECEIPT_NAME.name),
            marketing: ticked(inputs::MARKETING.name),
            cover_fee: ticked(inputs::COVER_FEE.name),
            tribute: choice(inputs::TRIBUTE.name),
            honoree_name: text(inputs::HONOREE_NAME.name),
            tribute_message: text_area(form, inputs::TRIBUTE_MESSAGE.name),
            notify: ticked(inputs::NOTIFY.name),
            notify_name: text(inputs::NOTIFY_NAME.name),
            notify_email: text(inputs::NOTIFY_EMAIL.name),
            notify_amount: ticked(inputs::NOTIFY_AMOUNT.name),
            company_name: text(inputs::COMPANY_NAME.name),
            company_registration: text(inputs::COMPANY_REGISTRATION.name),
            token: text(inputs::TOKEN.name),
            referral: value(form, inputs::hidden::REFERRAL, ""),
            payment_method: choice(inputs::PAYMENT_METHOD.name),
            // Only the server reads these.
            ..DonationForm::default()
        }
    }

    /// Writes each field's message (or clears it) for the fields `visible` lets through.
    fn show(form: &Element, errors: &[FieldError], visible: impl Fn(Field) -> bool) {
        for (field, input_id, error_id) in FIELDS {
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
            if let Some(element) = error_id.and_then(|id| by_id(form, id)) {
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

    /// The selector suffix of a group's chosen radio button (or a ticked box).
    const CHECKED: &str = ":checked";

    /// The form's `tag` named `name`, narrowed by `state` (`""` or [`CHECKED`]).
    fn named(form: &Element, tag: &str, name: &str, state: &str) -> Option<Element> {
        form.query_selector(&format!("{tag}[name={name}]{state}"))
            .ok()
            .flatten()
    }

    /// What the input named `name` holds: its text, or with [`CHECKED`] the chosen radio
    /// button's value.
    fn value(form: &Element, name: &str, state: &str) -> String {
        named(form, "input", name, state)
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            .map(|input| input.value())
            .unwrap_or_default()
    }

    fn text_area(form: &Element, name: &str) -> String {
        named(form, "textarea", name, "")
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
