"""Optional email for invitations and reminders, through an SMTP server when one is configured.

No mail server is needed to use the portal: the lead always sees the link and the text to copy.
Set MAIL_SERVER (and MAIL_PORT, MAIL_USE_TLS, MAIL_USERNAME, MAIL_PASSWORD, MAIL_DEFAULT_SENDER)
in instance/config.py or the environment to send them as well. smtplib from the standard library
is enough for one plain-text message; a mail extension would add a dependency for nothing.
"""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage

from flask import current_app


def _setting(name: str, default=None):
    value = current_app.config.get(name)
    return value if value not in (None, "") else os.environ.get(name, default)


def mail_configured() -> bool:
    return bool(_setting("MAIL_SERVER"))


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server (message for the lead)."""


def send_mail(to: str, subject: str, body: str) -> None:
    """Hand one plain-text message to the configured SMTP server; MailError when it fails."""
    server = _setting("MAIL_SERVER")
    if not server:
        raise MailError("No mail server is configured (MAIL_SERVER).")
    message = EmailMessage()
    message["From"] = _setting("MAIL_DEFAULT_SENDER", "evaluator@localhost")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    use_tls = str(_setting("MAIL_USE_TLS", "")).lower() in {"1", "true", "yes", "on"}
    try:
        with smtplib.SMTP(server, int(_setting("MAIL_PORT", 25)), timeout=10) as smtp:
            if use_tls:
                smtp.starttls()
            if _setting("MAIL_USERNAME"):
                smtp.login(_setting("MAIL_USERNAME"), _setting("MAIL_PASSWORD", ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"The mail server refused the message ({type(exc).__name__}). "
                        "Copy the text below and send it yourself.") from None
