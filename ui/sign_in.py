"""The sign-in dialog: password, then whichever second factor the account uses, or an offline unlock.

Each step forwards to ``app.auth.session.AuthSession``; the dialog only shows the step it is on and
the server's own words when something is refused.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.auth.session import AuthSession, OfflineUnlockError, SignedInUser
from app.errors import ValidationError
from sync.client.auth_api import AuthRefusedError, MfaMethod, SignInStep
from sync.client.transport import OfflineError

METHOD_LABELS: dict[str, str] = {
    "totp": "Code from the authenticator app",
    "email": "Code sent by e-mail",
    "backup_code": "One of your backup codes",
}


class SignInDialog(QDialog):
    def __init__(self, auth: AuthSession, notice: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Autolytiq")
        self.setObjectName("sign-in")
        self.auth = auth
        self.user: SignedInUser | None = None
        self.step: SignInStep | None = None

        self.email = QLineEdit()
        self.email.setObjectName("email")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.sign_in_button = QPushButton("&Sign in")
        self.sign_in_button.setObjectName("do-sign-in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.submit_password)
        self.offline_button = QPushButton("&Unlock offline")
        self.offline_button.setObjectName("do-offline")
        self.offline_button.setVisible(False)
        self.offline_button.clicked.connect(self.unlock_offline)
        password_page = QWidget()
        form = QFormLayout(password_page)
        form.addRow("&E-mail", self.email)  # a form label is its field's buddy: Alt+E
        form.addRow("&Password", self.password)
        form.addRow(self.sign_in_button)
        form.addRow(self.offline_button)

        self.method = QComboBox()
        self.method.setObjectName("mfa-method")
        self.method.currentIndexChanged.connect(self._method_changed)
        self.code = QLineEdit()
        self.code.setObjectName("code")
        self.send_code_button = QPushButton("E-&mail me a code")
        self.send_code_button.setObjectName("send-code")
        self.send_code_button.clicked.connect(self.send_email_code)
        verify = QPushButton("&Verify")
        verify.setObjectName("do-verify")
        verify.clicked.connect(self.submit_code)
        self.verify_button = verify
        mfa_page = QWidget()
        mfa_form = QFormLayout(mfa_page)
        mfa_form.addRow("Second s&tep", self.method)
        mfa_form.addRow("&Code", self.code)
        mfa_form.addRow(self.send_code_button)
        mfa_form.addRow(verify)

        self.enrol_text = QLabel()
        self.enrol_text.setObjectName("enrol-secret")
        self.enrol_text.setWordWrap(True)
        self.enrol_code = QLineEdit()
        self.enrol_code.setObjectName("enrol-code")
        confirm = QPushButton("C&onfirm")
        confirm.setObjectName("do-enrol")
        confirm.clicked.connect(self.confirm_enrolment)
        self.confirm_button = confirm
        enrol_page = QWidget()
        enrol_form = QFormLayout(enrol_page)
        enrol_form.addRow(QLabel("Your role needs a second factor. Add this key to an authenticator app:"))
        enrol_form.addRow(self.enrol_text)
        enrol_form.addRow("&Code from the app", self.enrol_code)
        enrol_form.addRow(confirm)

        self.new_password = QLineEdit()
        self.new_password.setObjectName("new-password")
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        change = QPushButton("Set &password")
        change.setObjectName("do-set-password")
        change.clicked.connect(self.set_password)
        self.set_password_button = change
        password_change_page = QWidget()
        change_form = QFormLayout(password_change_page)
        change_form.addRow(QLabel("Choose your own password to replace the one-time password."))
        change_form.addRow("&New password", self.new_password)
        change_form.addRow(change)

        self.pages = QStackedWidget()
        for page in (password_page, mfa_page, enrol_page, password_change_page):
            self.pages.addWidget(page)
        self.message = QLabel(notice or "")
        self.message.setObjectName("sign-in-message")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.message)
        self.email.setFocus()

    def _show_error(self, text: str) -> None:
        self.message.setStyleSheet("color: #c62828;")
        self.message.setText(text)

    def _run(self, call: Callable[[], SignInStep | None]) -> None:
        """Run one step; what the session raises becomes words on the dialog."""
        try:
            step = call()
        except ValidationError as exc:
            self._show_error(f"{exc.field}: {exc.message}")
            return
        except AuthRefusedError as exc:
            self._show_error(exc.detail)
            return
        except OfflineError:
            self.offline_button.setVisible(True)
            self._show_error(
                "The server cannot be reached. You can unlock offline if you signed in here recently."
            )
            return
        if isinstance(step, SignInStep):
            self._go(step)

    def _go(self, step: SignInStep) -> None:
        self.step = step
        self.message.setText("")
        if step.status == "ok":
            self.user = self.auth.user
            self.accept()
        elif step.status == "mfa_required":
            self.method.clear()
            for method in step.mfa_methods:
                self.method.addItem(METHOD_LABELS.get(method, method), method)
            self._show_page(1, self.verify_button, self.code)
        elif step.status == "mfa_enrollment_required":
            secret, uri = self.auth.enroll_totp(step)
            self.enrol_text.setText(f"Key: {secret}\n{uri}")
            self._show_page(2, self.confirm_button, self.enrol_code)
        elif step.status == "password_change_required":
            self._show_page(3, self.set_password_button, self.new_password)

    def _show_page(self, index: int, action: QPushButton, field: QLineEdit) -> None:
        """Show a step with Enter doing its action and the cursor in its field (Escape still cancels)."""
        self.pages.setCurrentIndex(index)
        action.setDefault(True)
        field.setFocus()

    def _method_changed(self) -> None:
        self.send_code_button.setVisible(self.method.currentData() == "email")

    def submit_password(self) -> None:
        self._run(lambda: self.auth.login(self.email.text(), self.password.text()))

    def submit_code(self) -> None:
        step, method = self.step, self.method.currentData()
        if step is None or method is None:
            return
        chosen: MfaMethod = method
        self._run(lambda: self.auth.verify(step, chosen, self.code.text()))

    def send_email_code(self) -> None:
        step = self.step
        if step is None:
            return

        def send() -> None:
            self.auth.send_email_code(step)
            self.message.setStyleSheet("")
            self.message.setText("A code is on its way to your e-mail.")
            return None

        self._run(send)

    def confirm_enrolment(self) -> None:
        step = self.step
        if step is not None:
            self._run(lambda: self.auth.confirm_totp(step, self.enrol_code.text()))

    def set_password(self) -> None:
        step = self.step
        if step is not None:
            self._run(lambda: self.auth.set_initial_password(step, self.new_password.text()))

    def unlock_offline(self) -> None:
        try:
            self.user = self.auth.unlock_offline(self.email.text(), self.password.text())
        except OfflineUnlockError as exc:
            self._show_error(exc.reason)
            return
        self.accept()
