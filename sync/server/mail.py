"""Outgoing e-mail through SMTP (``smtplib``), configured by ``ServerSettings.smtp``."""

from __future__ import annotations

import contextlib
import logging
import smtplib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage

from sync.server.settings import SmtpSettings

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        # One background sender for mail whose timing must not show in the answer (see send_later).
        self._later = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail")

    def send_later(self, mails: list[Mail]) -> None:
        """Send after answering: a reset request for an existing address must not take longer to answer
        than one for an unknown address, or the delay would tell which addresses have accounts."""
        if mails:
            self._later.submit(self.send_quietly, mails)

    def close(self) -> None:
        """Deliver what is queued, then stop (part of graceful shutdown)."""
        self._later.shutdown(wait=True)

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        try:
            with smtplib.SMTP(
                self.settings.host, self.settings.port, timeout=self.settings.timeout_s
            ) as smtp:
                if self.settings.starttls:
                    smtp.starttls()
                if self.settings.username:
                    smtp.login(self.settings.username, self.settings.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("mail to %s failed: %s", mail.to, exc)
            raise MailError(f"could not send e-mail: {exc}") from exc

    def send_quietly(self, mails: list[Mail]) -> None:
        """Send, logging failures: for mail whose failure must not change the HTTP answer (reset requests)."""
        for mail in mails:
            with contextlib.suppress(MailError):
                self.send(mail)
