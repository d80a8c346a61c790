"""What every service that talks to a groupware server (Microsoft Graph, IMAP, ...) shares: typed errors,
request metrics and the Graph client (``graph``)."""
