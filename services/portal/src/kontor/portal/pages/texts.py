"""Texts people read in the portal, in German and English."""

TEXTS = {
    "de": {
        "title": "Kontor Kundenportal",
        "heading": "Willkommen im Kundenportal",
        "lead": "Hier sehen Sie Ihre Projekte, Zeitberichte und Rechnungen.",
        "signin": "Die Anmeldung erhalten Sie von Ihrem Ansprechpartner. Noch keinen Zugang? Wenden Sie sich an ihn.",
        "status": "Dienststatus",
    },
    "en": {
        "title": "Kontor customer portal",
        "heading": "Welcome to the customer portal",
        "lead": "Here you see your projects, time reports and invoices.",
        "signin": "Your contact person gives you your sign-in. No access yet? Please ask them.",
        "status": "Service status",
    },
}

SUPPORTED = tuple(TEXTS)
