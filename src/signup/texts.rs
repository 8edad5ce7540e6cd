//! The subjects and plain-text parts of the mails in [`super::SignupMail`],
//! in Dutch and English. The HTML parts come from `mjml/confirm.mjml` and
//! `mjml/links.mjml`.

use super::SignupMail;

/// The links a mail's text may carry.
pub struct LinkSet<'a> {
    pub confirm: &'a str,
    pub preferences: &'a str,
    pub data: &'a str,
    pub erase: &'a str,
    pub data_hours: u32,
}

/// Subject and plain text of `mail` for `platform`.
pub fn subject_and_text(
    mail: SignupMail,
    en: bool,
    platform: &str,
    l: &LinkSet<'_>,
) -> (String, String) {
    let LinkSet {
        confirm,
        preferences,
        data,
        erase,
        data_hours: hours,
    } = l;
    match (mail, en) {
        (SignupMail::Confirm | SignupMail::ConfirmRequest(_), true) => (
            format!("Confirm your subscription to {platform}"),
            format!(
                "Thank you for signing up for the newsletter of {platform}.\n\nConfirm your subscription by opening this link (valid for 7 days):\n{confirm}\n\nDid you not sign up? Then ignore this mail: nothing happens.\n"
            ),
        ),
        (SignupMail::Confirm | SignupMail::ConfirmRequest(_), false) => (
            format!("Bevestig je aanmelding bij het {platform}"),
            format!(
                "Bedankt voor je aanmelding voor de nieuwsbrief van het {platform}.\n\nBevestig je aanmelding met deze link (7 dagen geldig):\n{confirm}\n\nHeb je je niet aangemeld? Negeer deze mail dan: er gebeurt niets.\n"
            ),
        ),
        (SignupMail::Preferences, true) => (
            format!("You are already subscribed to {platform}"),
            format!(
                "Someone, probably you, just signed up again with this address for the newsletter of {platform}. This address is already subscribed, so nothing has changed.\n\nChange your workshops, themes, reminders or language here:\n{preferences}\n\nDid you not sign up again yourself? Then ignore this mail: your subscription stays as it is.\n"
            ),
        ),
        (SignupMail::Preferences, false) => (
            format!("Je bent al aangemeld bij het {platform}"),
            format!(
                "Iemand, waarschijnlijk jij, heeft zich zojuist opnieuw met dit adres aangemeld voor de nieuwsbrief van het {platform}. Dit adres is al aangemeld, er is dus niets veranderd.\n\nPas je werkplaatsen, thema's, herinneringen of taal hier aan:\n{preferences}\n\nHeb je je niet zelf opnieuw aangemeld? Negeer deze mail dan: je aanmelding blijft zoals die is.\n"
            ),
        ),
        (SignupMail::DataLink, true) => (
            format!("Your data at {platform}"),
            format!(
                "You asked for your data at {platform}. These links work for {hours} hours and only for you: do not forward this mail.\n\nDownload your data (JSON):\n{data}\n\nErase your data (you will be asked to confirm):\n{erase}\n\nDid you not ask for this? Then ignore this mail: nothing happens.\n"
            ),
        ),
        (SignupMail::DataLink, false) => (
            format!("Je gegevens bij het {platform}"),
            format!(
                "Je hebt je gegevens bij het {platform} opgevraagd. Deze links werken {hours} uur en alleen voor jou: stuur deze mail niet door.\n\nDownload je gegevens (JSON):\n{data}\n\nWis je gegevens (we vragen eerst om bevestiging):\n{erase}\n\nHeb je dit niet zelf gevraagd? Negeer deze mail dan: er gebeurt niets.\n"
            ),
        ),
        (SignupMail::NewLinks, true) => (
            format!("Your new link for {platform}"),
            format!(
                "As you asked, every earlier link to your subscription at {platform} has stopped working, also the ones in mails you forwarded.\n\nYour preferences, from now on:\n{preferences}\n\nNewsletters from now on carry the new links.\n"
            ),
        ),
        (SignupMail::NewLinks, false) => (
            format!("Je nieuwe link voor het {platform}"),
            format!(
                "Zoals je vroeg werken alle eerdere links naar je aanmelding bij het {platform} niet meer, ook die in mails die je hebt doorgestuurd.\n\nJe voorkeuren, vanaf nu:\n{preferences}\n\nNieuwe nieuwsbrieven bevatten de nieuwe links.\n"
            ),
        ),
    }
}
