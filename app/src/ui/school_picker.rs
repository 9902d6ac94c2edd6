//! District → level → school (SPEC §2): three selects, each narrowing the next, for the
//! parent's binding form.

use crate::directory::SchoolOption;
use crate::i18n::*;
use crate::ui::tr;
use leptos::prelude::*;

/// «國小» / «國中» / «高中» for a roster level code.
pub fn level_text(locale: Locale, level: &str) -> &'static str {
    match level {
        "primary" => td_string!(locale, common.level_primary),
        "junior" => td_string!(locale, common.level_junior),
        _ => td_string!(locale, common.level_senior),
    }
}

/// The distinct values of `key` among `schools`, sorted.
fn distinct(
    schools: &[SchoolOption],
    key: impl Fn(&SchoolOption) -> Option<String>,
) -> Vec<String> {
    let mut v: Vec<String> = schools.iter().filter_map(key).collect();
    v.sort();
    v.dedup();
    v
}

/// Three required selects with ids `{prefix}district`, `{prefix}level` and
/// `{prefix}school`. `school` holds the chosen school's code; a code set before (a
/// redrawn form) selects its district and level once the list has loaded. `error` is
/// shown above the school select, whose id the error summary links to.
#[component]
pub fn SchoolPicker(
    #[prop(into)] schools: Signal<Vec<SchoolOption>>,
    prefix: String,
    school: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let district = RwSignal::new(String::new());
    let level = RwSignal::new(String::new());
    Effect::new(move |_| {
        let code = school.get_untracked();
        if code.is_empty() || !district.get_untracked().is_empty() {
            return;
        }
        if let Some(s) = schools.with(|all| all.iter().find(|s| s.code == code).cloned()) {
            district.set(s.district);
            level.set(s.level);
        }
    });
    let districts = move || schools.with(|all| distinct(all, |s| Some(s.district.clone())));
    let levels = move || {
        let d = district.get();
        schools.with(|all| distinct(all, |s| (s.district == d).then(|| s.level.clone())))
    };
    let options = move || {
        let (d, l) = (district.get(), level.get());
        schools.with(|all| {
            all.iter()
                .filter(|s| s.district == d && s.level == l)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let (district_id, level_id, school_id) = (
        format!("{prefix}district"),
        format!("{prefix}level"),
        format!("{prefix}school"),
    );
    let error_id = format!("{prefix}school-error");
    view! {
        <div class="field">
            <label class="field__label" for=district_id.clone()>{tr(i18n, |l| td_string!(l, common.district))}</label>
            <select id=district_id class="input" required prop:value=move || district.get()
                on:change=move |ev| { district.set(event_target_value(&ev)); level.set(String::new()); school.set(String::new()); }>
                <option value="">{tr(i18n, |l| td_string!(l, common.choose))}</option>
                {move || districts().into_iter().map(|d| {
                    let selected = d == district.get_untracked();
                    view! { <option value=d.clone() selected=selected>{d.clone()}</option> }
                }).collect_view()}
            </select>
        </div>
        <div class="field">
            <label class="field__label" for=level_id.clone()>{tr(i18n, |l| td_string!(l, common.level))}</label>
            <select id=level_id class="input" required prop:value=move || level.get()
                on:change=move |ev| { level.set(event_target_value(&ev)); school.set(String::new()); }>
                <option value="">{tr(i18n, |l| td_string!(l, common.choose))}</option>
                {move || levels().into_iter().map(|code| {
                    let selected = code == level.get_untracked();
                    let value = code.clone();
                    view! { <option value=value selected=selected>{move || level_text(i18n.get_locale(), &code)}</option> }
                }).collect_view()}
            </select>
        </div>
        <div class="field" class:field--error=move || error.with(Option::is_some)>
            <label class="field__label" for=school_id.clone()>{tr(i18n, |l| td_string!(l, common.school))}</label>
            <p class="field__error" id=error_id.clone()>{move || error.get()}</p>
            <select id=school_id class="input" required prop:value=move || school.get()
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=error_id
                on:change=move |ev| school.set(event_target_value(&ev))>
                <option value="">{tr(i18n, |l| td_string!(l, common.choose))}</option>
                {move || options().into_iter().map(|s| {
                    let selected = s.code == school.get_untracked();
                    view! { <option value=s.code.clone() selected=selected>{s.name.clone()}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}
