//! The agent console's page texts in English and French: a French shop's agents work in
//! French. Each line holds both languages, so neither can be forgotten; the script's own
//! texts (states, times, errors) are in `templates/agent.js`.

super::texts::bilingual! {
    /// Every fixed text of `templates/agent.html`.
    ConsoleText, console_text {
    lang: "en" / "fr",
    other_lang: "fr" / "en",
    other_lang_name: "Français" / "English",
    title: "Candor — agent console" / "Candor — console des agents",
    change_password: "Change my password" / "Changer mon mot de passe",
    sign_out: "Sign out" / "Se déconnecter",
    notify: "Desktop alerts" / "Alertes sur le bureau",
    notify_help: "While this tab is in the background, tells you when a visitor waits for a person or for your reply (never what they wrote)" / "Quand cet onglet est en arrière-plan, vous prévient qu'un visiteur attend une personne ou votre réponse (jamais ce qu'il a écrit)",
    current_password: "Current password" / "Mot de passe actuel",
    new_password: "New password (at least 10 characters)" / "Nouveau mot de passe (au moins 10 caractères)",
    save_password: "Save the new password" / "Enregistrer le nouveau mot de passe",
    sign_in: "Sign in" / "Se connecter",
    email: "Email" / "E-mail",
    password: "Password" / "Mot de passe",
    mine: "My conversations" / "Mes conversations",
    mine_empty: "None: claim one from the queue below." / "Aucune : prenez-en une dans la file ci-dessous.",
    queue: "Waiting for a person" / "En attente d'une personne",
    language: "Language" / "Langue",
    all: "All" / "Toutes",
    nobody_waiting: "Nobody is waiting." / "Personne n'attend.",
    conversation: "Conversation" / "Conversation",
    claim: "Claim" / "Prendre",
    release: "Hand back to the assistant" / "Rendre à l'assistant",
    close: "Close with a resolution" / "Clore avec une résolution",
    transfer_to: "Transfer to" / "Transférer à",
    transfer: "Transfer" / "Transférer",
    resolution: "How was it resolved? Kept in the conversation's history for the team; the visitor is only told it is closed." / "Comment est-ce résolu ? Gardé dans l'historique de la conversation pour l'équipe ; le visiteur apprend seulement qu'elle est close.",
    resolution_example: "Refund sent for order 48213" / "Remboursement envoyé pour la commande 48213",
    close_confirm: "Close the conversation" / "Clore la conversation",
    keep_open: "Keep it open" / "La garder ouverte",
    pick: "Pick a conversation from the lists." / "Choisissez une conversation dans les listes.",
    reply: "Reply to the visitor" / "Réponse au visiteur",
    canned: "Canned reply" / "Réponse type",
    send: "Send to the visitor" / "Envoyer au visiteur",
    note: "Add internal note" / "Ajouter une note interne",
    note_mode: "Writing an internal note (the visitor does not see you typing; Ctrl+Enter adds the note)" / "J'écris une note interne (le visiteur ne me voit pas écrire ; Ctrl+Entrée ajoute la note)",
}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Lang;

    #[test]
    fn each_language_names_itself_and_links_the_other() {
        let (en, fr) = (console_text(Lang::En), console_text(Lang::Fr));
        assert_eq!((en.lang, en.other_lang), ("en", "fr"));
        assert_eq!((fr.lang, fr.other_lang), ("fr", "en"));
        assert_ne!(en.claim, fr.claim);
    }
}
