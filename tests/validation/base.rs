//! The valid issue every mutant starts from: front matter and a whole MJML
//! document in the style of the platformnieuws layout, one tag a line, using
//! the components an editor reaches for.

/// Front matter; the MJML starts on the line after it.
pub const FRONT_MATTER: &str = "---\nsubject: Platformnieuws december\n---\n";

/// Lines the front matter takes: an MJML line n is file line n + this.
pub const OFFSET: usize = 3;

pub const MJML: &str = r##"<mjml lang="nl">
  <mj-head>
    <mj-title>Platformnieuws december</mj-title>
    <mj-preview>Sociale innovatie in de praktijk en de agenda</mj-preview>
    <mj-attributes>
      <mj-all font-family="Arial, Helvetica, sans-serif" />
      <mj-text font-size="16px" line-height="1.5" color="#222222" padding="0px 24px" />
    </mj-attributes>
    <mj-style>
      .pb-body p { margin: 0 0 14px 0; }
    </mj-style>
  </mj-head>
  <mj-body background-color="#f2f2f2" width="600px">
    <mj-section background-color="#ffffff" padding="24px 0px 8px 0px">
      <mj-column width="100%">
        <mj-text font-size="30px" font-weight="bold" color="#c8102e" align="left">Platformnieuws</mj-text>
        <mj-image src="https://example.org/kop.png" alt="Kennisplatform" width="200px" align="center" />
        <mj-divider border-width="1px" border-color="#e2e2e2" padding="0px 24px" />
        <mj-spacer height="16px" />
        <mj-button href="{{ archive_url }}" background-color="#c8102e" color="#ffffff" align="left">Lees online</mj-button>
        <mj-table width="100%" cellpadding="4">
          <tr><td>Bijeenkomst</td><td>10 april</td></tr>
        </mj-table>
      </mj-column>
    </mj-section>
    <mj-section padding="0px 0px 24px 0px" direction="ltr">
      <mj-group width="100%">
        <mj-column width="50%" vertical-align="top">
          <mj-text>
            <p>Beste {{ subscriber.name }}, sociale innovatie in de praktijk.</p>
          </mj-text>
        </mj-column>
        <mj-column width="50%" vertical-align="top">
          <mj-social mode="horizontal" icon-size="20px" align="left">
            <mj-social-element name="linkedin" href="https://www.linkedin.com/">LinkedIn</mj-social-element>
          </mj-social>
        </mj-column>
      </mj-group>
    </mj-section>
    <mj-wrapper padding="0px" background-color="#f2f2f2">
      <mj-section padding="20px 0px 28px 0px" text-align="center">
        <mj-column>
          <mj-navbar hamburger="hamburger" align="center">
            <mj-navbar-link href="{{ preferences_url }}" color="#555555">Voorkeuren</mj-navbar-link>
            <mj-navbar-link href="{{ unsubscribe_url }}" color="#555555">Afmelden</mj-navbar-link>
          </mj-navbar>
        </mj-column>
      </mj-section>
    </mj-wrapper>
  </mj-body>
</mjml>
"##;

/// The whole issue file around an MJML document.
pub fn issue(mjml: &str) -> String {
    format!("{FRONT_MATTER}{mjml}")
}
