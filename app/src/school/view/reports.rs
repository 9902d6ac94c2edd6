//! «統計報表»: attendance per class and day, stops and applications per school and
//! month, and (operators) message delivery per channel. Each report is a chart drawn on
//! the server (`role="img"` with a summary of its totals), its legend, the table of
//! every number and «下載 CSV» with the same rows. A teacher sees their class, an
//! officer their school, an operator every school or the one picked.

use super::readers::{is_operator, school_select};
use super::*;
use crate::school::report_api::load_report;
use crate::school::{Report, ReportFilter, ReportKind};

type Loaded = RwSignal<Option<Result<Report, AppError>>>;

fn range_error(locale: Locale, code: &str) -> &'static str {
    match code {
        "before_from" => td_string!(locale, report.err_before_from),
        "too_long" => td_string!(locale, report.err_too_long),
        _ => td_string!(locale, report.err_format),
    }
}

fn description(locale: Locale, kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Attendance => td_string!(locale, report.attendance_intro),
        ReportKind::Stops => td_string!(locale, report.stops_intro),
        ReportKind::Applications => td_string!(locale, report.applications_intro),
        ReportKind::Messages => td_string!(locale, report.messages_intro),
    }
}

/// The chart's text alternative: what it shows and each series' total.
fn chart_summary(locale: Locale, r: &Report) -> String {
    let totals = r
        .kind
        .series()
        .iter()
        .zip(r.series_totals())
        .map(|((label, _), total)| {
            td_string!(
                locale,
                report.series_total,
                series = label.label(locale),
                n = total
            )
            .to_string()
        })
        .collect::<Vec<_>>()
        .join(td_string!(locale, report.list_sep));
    td_string!(
        locale,
        report.chart_summary,
        title = r.kind.title(locale),
        from = r.from.clone(),
        to = r.to.clone(),
        totals = totals
    )
    .to_string()
}

/// One text box of the filter bar, with its message under it.
fn range_box(
    i18n: I18n,
    id: &'static str,
    label: fn(Locale) -> &'static str,
    placeholder: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <label for=id>{tr(i18n, label)}
            <input id=id type="text" inputmode="numeric" autocomplete="off" placeholder=placeholder
                maxlength=placeholder.len().to_string() prop:value=move || value.get()
                aria-describedby=error_id.clone()
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                on:input=move |ev| value.set(event_target_value(&ev)) />
            <span class="field__error" id=error_id>{move || error.get()}</span>
        </label>
    }
}

/// A loaded report: the chart with its legend, and the table with «下載 CSV».
fn report_body(i18n: I18n, r: Report) -> impl IntoView {
    let kind = r.kind;
    let locale = i18n.get_locale_untracked();
    let summary = chart_summary(locale, &r);
    let file = format!("{}-{}-{}.csv", kind.as_str(), r.from, r.to);
    let href = r.csv_href();
    let caption = move || {
        let l = i18n.get_locale();
        td_string!(
            l,
            report.table_caption,
            title = kind.title(l),
            from = r.from.clone(),
            to = r.to.clone()
        )
        .to_string()
    };
    let legend = kind
        .series()
        .iter()
        .enumerate()
        .map(|(j, (label, _))| {
            let label = *label;
            view! {
                <li><span class=format!("chart-key chart-key--{j}")></span>{move || label.label(i18n.get_locale())}</li>
            }
        })
        .collect_view();
    let chart = if r.chart_svg.is_empty() {
        view! { <p class="empty">{tr(i18n, |l| td_string!(l, report.no_data))}</p> }.into_any()
    } else {
        view! {
            <div class="chart" role="img" aria-label=summary inner_html=r.chart_svg></div>
            <ul class="chart-legend">{legend}</ul>
        }
        .into_any()
    };
    let header = kind
        .label_columns()
        .iter()
        .chain(kind.count_columns())
        .map(|c| {
            let c = *c;
            view! { <th scope="col">{move || c.label(i18n.get_locale())}</th> }
        })
        .collect_view();
    let table = if r.rows.is_empty() {
        view! { <p class="empty">{tr(i18n, |l| td_string!(l, report.no_rows))}</p> }.into_any()
    } else {
        let rows = r
            .rows
            .into_iter()
            .map(|row| {
                let labels = row
                    .labels
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| {
                        if i == 0 {
                            view! { <th scope="row">{l}</th> }.into_any()
                        } else {
                            view! { <td>{l}</td> }.into_any()
                        }
                    })
                    .collect_view();
                let counts = row
                    .counts
                    .into_iter()
                    .map(|n| view! { <td class="num">{n}</td> })
                    .collect_view();
                view! { <tr>{labels}{counts}</tr> }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table class="queue-table report-table">
                    <caption class="visually-hidden">{caption}</caption>
                    <thead><tr>{header}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <div class="report__body">
            <div class="report__chart">{chart}</div>
            <div class="report__numbers">
                {table}
                <p class="report__download">
                    <a class="button button--secondary button--small" href=href download=file>
                        {tr(i18n, |l| td_string!(l, report.download_csv))}
                    </a>
                </p>
            </div>
        </div>
    }
}

/// One report's section: heading, what it counts, then the report or its state.
fn report_section(i18n: I18n, kind: ReportKind, loaded: Loaded) -> impl IntoView {
    let heading = format!("report-{}", kind.as_str());
    view! {
        <section class="report" aria-labelledby=heading.clone()>
            <h2 id=heading.clone()>{move || kind.title(i18n.get_locale())}</h2>
            <p class="hint">{move || description(i18n.get_locale(), kind)}</p>
            {move || match loaded.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(AppError::Validation(_))) => view! {
                    <p class="empty">{tr(i18n, |l| td_string!(l, report.fix_range))}</p>
                }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(r)) => report_body(i18n, r).into_any(),
            }}
        </section>
    }
}

/// «統計報表».
#[component]
pub fn ReportsPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), report.title).to_string());
    let state = StaffState::use_state();
    let operator = is_operator();
    let school = RwSignal::new(String::new());
    let day_from = RwSignal::new(String::new());
    let day_to = RwSignal::new(String::new());
    let month_from = RwSignal::new(String::new());
    let month_to = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let loaded: [Loaded; 4] = std::array::from_fn(|_| RwSignal::new(None));
    let load = move |kind: ReportKind, slot: Loaded| {
        let (from, to) = if kind.is_daily() {
            (day_from, day_to)
        } else {
            (month_from, month_to)
        };
        let prefix = if kind.is_daily() { "day_" } else { "month_" };
        let code = school.get_untracked();
        let filter = ReportFilter {
            school_code: (!code.is_empty()).then_some(code),
            from: from.get_untracked(),
            to: to.get_untracked(),
        };
        spawn_local(async move {
            let result = load_report(kind, filter).await;
            match &result {
                Ok(r) => {
                    // The range counted, defaults filled in, stays in the boxes.
                    from.set(r.from.clone());
                    to.set(r.to.clone());
                    errors.update(|e| e.retain(|k, _| !k.starts_with(prefix)));
                }
                Err(AppError::Validation(fields)) => errors.update(|e| {
                    for (field, code) in fields {
                        e.insert(format!("{prefix}{field}"), code.clone());
                    }
                }),
                Err(_) => {}
            }
            slot.set(Some(result));
        });
    };
    let load_all = move || {
        let Some(Ok(me)) = state.me.get_untracked() else {
            return;
        };
        for (kind, slot) in ReportKind::ALL.into_iter().zip(loaded) {
            if kind != ReportKind::Messages || me.role == "operator" {
                load(kind, slot);
            }
        }
    };
    // Once the staff member is known, and again when an operator picks a school.
    Effect::new(move |_| {
        let ready = state.me.with(|m| matches!(m, Some(Ok(_))));
        school.track();
        if ready {
            load_all();
        }
    });
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            let locale = i18n.get_locale();
            errors.with(|e| e.get(field).map(|c| range_error(locale, c).to_string()))
        })
    };
    let school_error = Signal::derive(move || {
        loaded.iter().find_map(|l| {
            l.with(|r| match r {
                Some(Err(AppError::Validation(e))) if e.contains_key("school") => {
                    Some(td_string!(i18n.get_locale(), gate.err_school_unknown).to_string())
                }
                _ => None,
            })
        })
    });
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, report.title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, report.intro))}</p>
            {move || operator.get().then(|| school_select(i18n, "report-school",
                |l| td_string!(l, gate.school), |l| td_string!(l, gate.all_schools), school,
                school_error))}
            <form class="filter-bar filter-bar--static" role="search" novalidate
                aria-label=move || td_string!(i18n.get_locale(), report.filters).to_string()
                on:submit=move |ev| { ev.prevent_default(); load_all(); }>
                {range_box(i18n, "report-day-from", |l| td_string!(l, report.day_from), "YYYY-MM-DD", day_from, field_error("day_from"))}
                {range_box(i18n, "report-day-to", |l| td_string!(l, report.day_to), "YYYY-MM-DD", day_to, field_error("day_to"))}
                {range_box(i18n, "report-month-from", |l| td_string!(l, report.month_from), "YYYY-MM", month_from, field_error("month_from"))}
                {range_box(i18n, "report-month-to", |l| td_string!(l, report.month_to), "YYYY-MM", month_to, field_error("month_to"))}
                <button type="submit" class="button button--primary button--small">{tr(i18n, |l| td_string!(l, report.show))}</button>
            </form>
            {report_section(i18n, ReportKind::Attendance, loaded[0])}
            {report_section(i18n, ReportKind::Stops, loaded[1])}
            {report_section(i18n, ReportKind::Applications, loaded[2])}
            {move || operator.get().then(|| report_section(i18n, ReportKind::Messages, loaded[3]))}
        </StaffShell>
    }
}
