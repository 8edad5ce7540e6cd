//! Layouts in `mjml/` are minijinja templates that produce MJML. Auto-escaping
//! is on for every template: values typed by people can never become markup;
//! pre-rendered HTML (section bodies) is passed as safe on purpose.

use minijinja::{AutoEscape, Environment, Value};
use std::path::{Path, PathBuf};

use super::trace::{Traced, mark_lines};
use crate::domain::diagnostic::Diagnostic;

pub struct Layouts {
    env: Environment<'static>,
    dir: PathBuf,
}

impl Layouts {
    pub fn new(dir: &Path) -> Self {
        let mut env = Environment::new();
        env.set_loader(minijinja::path_loader(dir));
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_formatter(|out, state, value| {
            // minijinja's HTML escaping also turns `/` into `&#x2f;`, which leaves
            // links like `http:&#x2f;&#x2f;…` that some mail clients and link
            // checkers do not decode. Strings are escaped for HTML text and quoted
            // attributes (& < > " ') instead; everything else as minijinja does.
            match value.as_str() {
                Some(s) if !value.is_safe() => {
                    out.write_str(&html_escape::encode_quoted_attribute(s))?;
                    Ok(())
                }
                _ => minijinja::escape_formatter(out, state, value),
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        Self {
            env,
            dir: dir.to_path_buf(),
        }
    }

    /// Renders `mjml/<name>.mjml` with `ctx`; errors point into the layout file.
    pub fn render(&self, name: &str, ctx: Value) -> Result<String, Diagnostic> {
        let file = format!("{name}.mjml");
        let shown = self.dir.join(&file).display().to_string();
        let tmpl = self
            .env
            .get_template(&file)
            .map_err(|e| to_diag(&shown, &e))?;
        tmpl.render(ctx).map_err(|e| to_diag(&shown, &e))
    }

    /// Renders `mjml/<name>.mjml` like [`Layouts::render`], with markers
    /// that tell which line of the layout each part of the output came from.
    pub fn render_traced(&self, name: &str, ctx: Value) -> Result<Traced, Diagnostic> {
        let file = format!("{name}.mjml");
        let shown = self.dir.join(&file).display().to_string();
        let source = std::fs::read_to_string(self.dir.join(&file)).map_err(|e| {
            Diagnostic::new(&shown, 1, 1, format!("the layout cannot be read: {e}"))
        })?;
        let out = self
            .env
            .render_named_str(&file, &mark_lines(&source), ctx)
            .map_err(|e| to_diag(&shown, &e))?;
        Ok(Traced::strip(&out))
    }

    pub fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.mjml"))
    }
}

fn to_diag(file: &str, e: &minijinja::Error) -> Diagnostic {
    let detail = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    Diagnostic::new(
        file,
        e.line().unwrap_or(1),
        1,
        format!(
            "layout error: {detail}; fix the layout file (it is a minijinja/Jinja2 template producing MJML)"
        ),
    )
}

/// Marks pre-rendered HTML as safe for the layout.
pub fn safe(html: String) -> Value {
    Value::from_safe_string(html)
}
