//! The dashboard's charts (统计图表), drawn on the server as SVG by plotters (its SVG backend only;
//! text is left to the browser's fonts). A chart that cannot be drawn is left out, with a log line.

use chrono::NaiveDate;
use plotters::prelude::*;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 260;
const FONT: &str = "sans-serif";
const RECEIVED: RGBColor = RGBColor(0x1f, 0x6f, 0xb2);
const CONCLUDED: RGBColor = RGBColor(0x2e, 0x8b, 0x57);
const RATE: RGBColor = RGBColor(0xd9, 0x8c, 0x1f);

/// One series of a chart: its name, colour and a value per point.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<f64>,
    color: RGBColor,
}

impl<'a> Series<'a> {
    pub fn received(values: Vec<f64>) -> Self {
        Series { name: "收件", values, color: RECEIVED }
    }
    pub fn concluded(values: Vec<f64>) -> Self {
        Series { name: "办结", values, color: CONCLUDED }
    }
    pub fn rate(name: &'a str, values: Vec<f64>) -> Self {
        Series { name, values, color: RATE }
    }
    pub fn on_time(values: Vec<f64>) -> Self {
        Series { name: "按时办结率", values, color: CONCLUDED }
    }
}

fn finish(svg: Result<String, String>, what: &str) -> String {
    match svg {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(chart = what, error = %e, "chart not drawn");
            String::new()
        }
    }
}

/// Counts are whole: fractional ticks stay unlabelled.
fn count_label(y: &f64) -> String {
    if (y - y.round()).abs() > 1e-6 { String::new() } else { format!("{y:.0}") }
}

fn top(series: &[Series<'_>]) -> f64 {
    let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0_f64, f64::max);
    if max <= 0.0 { 1.0 } else { max * 1.15 }
}

/// A line per series over consecutive days starting at `first`.
pub fn trend(title: &str, first: NaiveDate, series: &[Series<'_>]) -> String {
    finish(draw_trend(title, first, series), title)
}

fn draw_trend(title: &str, first: NaiveDate, series: &[Series<'_>]) -> Result<String, String> {
    let days = series.iter().map(|s| s.values.len()).max().unwrap_or(0).max(2);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 22))
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..(days - 1) as f64, 0f64..top(series))
            .map_err(|e| e.to_string())?;
        let label = |x: &f64| {
            let d = first + chrono::Duration::days(x.round() as i64);
            d.format("%m-%d").to_string()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(7)
            .y_labels(5)
            .x_label_formatter(&label)
            .y_label_formatter(&count_label)
            .label_style((FONT, 16))
            .draw()
            .map_err(|e| e.to_string())?;
        for s in series {
            let color = s.color;
            chart
                .draw_series(LineSeries::new(
                    s.values.iter().enumerate().map(|(i, v)| (i as f64, *v)),
                    color.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(s.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 16))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(buf)
}

/// Bars side by side per label, one per series (rates as percentages when `percent`).
pub fn bars(title: &str, labels: &[String], series: &[Series<'_>], percent: bool) -> String {
    finish(draw_bars(title, labels, series, percent), title)
}

fn draw_bars(title: &str, labels: &[String], series: &[Series<'_>], percent: bool) -> Result<String, String> {
    let n = labels.len().max(1);
    let per = series.len().max(1) as f64;
    let y_top = if percent { 1.05 } else { top(series) };
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 22))
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..n as f64, 0f64..y_top)
            .map_err(|e| e.to_string())?;
        let name = |x: &f64| {
            let i = x.floor() as usize;
            // Labels sit at each group's middle; long names are shortened to fit.
            if (x - i as f64 - 0.5).abs() > 0.01 {
                return String::new();
            }
            labels.get(i).map(|l| l.chars().take(8).collect()).unwrap_or_default()
        };
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh().x_labels(n * 2 + 1).y_labels(5).x_label_formatter(&name).label_style((FONT, 16));
        let fmt_pct = |y: &f64| format!("{:.0}%", y * 100.0);
        let fmt_n = count_label;
        if percent {
            mesh.y_label_formatter(&fmt_pct);
        } else {
            mesh.y_label_formatter(&fmt_n);
        }
        mesh.draw().map_err(|e| e.to_string())?;
        for (k, s) in series.iter().enumerate() {
            let color = s.color;
            let width = 0.8 / per;
            chart
                .draw_series(s.values.iter().enumerate().map(|(i, v)| {
                    let x0 = i as f64 + 0.1 + k as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width * 0.9, *v)], color.filled())
                }))
                .map_err(|e| e.to_string())?
                .label(s.name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 16))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_their_labels_escaped() {
        let first = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        let t =
            trend("近30日", first, &[Series::received(vec![1.0, 3.0, 2.0]), Series::concluded(vec![0.0, 1.0, 2.0])]);
        assert!(t.starts_with("<svg") && t.contains("收件") && t.contains("11-01"), "{t}");
        let b = bars("按部门", &["教育局".into(), "<民政局>".into()], &[Series::received(vec![4.0, 2.0])], false);
        assert!(b.contains("教育局") && b.contains("&lt;民政局&gt;") && !b.contains("<民政局>"), "{b}");
        let p = bars("满意度", &["教育局".into()], &[Series::rate("满意率", vec![0.5])], true);
        assert!(p.contains("50%"), "{p}");
        // Nothing to draw is still a chart.
        assert!(trend("空", first, &[Series::received(vec![])]).starts_with("<svg"));
    }
}
