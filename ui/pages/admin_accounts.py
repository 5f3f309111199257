"""Admin tabs for people and roles: add or invite a user, change a role, deactivate; edit custom roles.

Every decision (where the change goes, who may make it, what is valid) is the
:class:`~app.services.administration.AdministrationService`'s; these widgets show its listings and
forward the form. A refused value is shown under its field and nothing is sent or saved. When the
listing is not editable (signed in but the server is out of reach) the controls are hidden and the
note says to sign in to the dealership server.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError, ValidationError
from app.policy import ALL_PERMISSIONS
from app.services.accounts import RoleRow, UserRow
from app.services.administration import AdministrationService, Mode
from ui.pages.admin_work import Background
from ui.pages.customers import table
from ui.pages.desk import Field, named
from ui.pages.keyboard import open_with_enter
from ui.table_model import Column, RowsTableModel

ERROR_STYLE = "color: #c62828;"


def error_label(name: str) -> QLabel:
    label = named(QLabel(), name)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def show_error(label: QLabel, message: str | None) -> None:
    label.setText(message or "")
    label.setVisible(bool(message))


class UsersTab(QWidget):
    def __init__(self, service: AdministrationService) -> None:
        super().__init__()
        self.service = service
        self.rows: list[UserRow] = []
        self.editable = False
        self.model: RowsTableModel[UserRow] = RowsTableModel(
            [
                Column("Name", lambda u: u.display_name),
                Column("Email", lambda u: u.email),
                Column("Roles", lambda u: ", ".join(u.roles)),
                Column("Active", lambda u: "yes" if u.active else "no"),
            ]
        )
        self.table = table(self.model, "admin-users")
        self.table.setAccessibleName("Users")
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        # Enter on a user goes to what can be changed about them (their role).
        open_with_enter(self.table, self._open_user)
        self.note = named(QLabel(), "admin-accounts-note")
        self.note.setWordWrap(True)
        self.message = named(QLabel(), "admin-users-message")
        self.message.setWordWrap(True)
        self.work = Background(self, self.message, threaded=service.mode is Mode.SERVER)

        # The selected user: change role, deactivate or reactivate.
        self.selected = named(QGroupBox("Selected user"), "admin-selected-user")
        self.user_role = named(QComboBox(), "admin-user-role")
        self.user_role.setAccessibleName("Role of the selected user")
        self.change_role_button = named(QPushButton("C&hange role"), "admin-change-role")
        self.change_role_button.clicked.connect(self.change_role)
        self.active_button = named(QPushButton("&Deactivate"), "admin-toggle-active")
        self.active_button.clicked.connect(self.toggle_active)
        # Only the server sends e-mail: the demo's users need no invitation.
        self.resend_button = named(QPushButton("Re&send invitation"), "admin-resend-invite")
        self.resend_button.setVisible(service.mode is Mode.SERVER)
        self.resend_button.clicked.connect(self.resend_invitation)
        self.roles_error = error_label("error:roles")
        selected_row = QHBoxLayout()
        role_label = QLabel("Ro&le:")
        role_label.setBuddy(self.user_role)
        selected_row.addWidget(role_label)
        selected_row.addWidget(self.user_role, 1)
        selected_row.addWidget(self.change_role_button)
        selected_row.addWidget(self.active_button)
        selected_row.addWidget(self.resend_button)
        selected_layout = QVBoxLayout(self.selected)
        selected_layout.addLayout(selected_row)
        selected_layout.addWidget(self.roles_error)

        # A new user: the server e-mails an invitation; the demo just adds the account.
        adding = service.mode is not Mode.SERVER
        self.new_user = named(QGroupBox("Add a user" if adding else "Invite a user"), "admin-new-user")
        self.email = Field("email")
        self.email.edit.setPlaceholderText("name@dealership.com")
        self.name = Field("display_name")
        self.new_role = named(QComboBox(), "admin-new-role")
        self.invite_button = named(QPushButton("&Create user" if adding else "&Invite user"), "admin-invite")
        self.invite_button.clicked.connect(self.invite)
        self.email.edit.returnPressed.connect(self.invite)
        self.name.edit.returnPressed.connect(self.invite)
        form = QFormLayout(self.new_user)
        for label, widget, buddy in (
            ("E&mail", self.email, self.email.edit),
            ("&Name", self.name, self.name.edit),
            ("Rol&e", self.new_role, self.new_role),
        ):
            caption = QLabel(label)
            caption.setBuddy(buddy)
            form.addRow(caption, widget)
        form.addRow("", self.invite_button)

        controls = QHBoxLayout()
        controls.addWidget(self.selected, 1)
        controls.addWidget(self.new_user, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        QWidget.setTabOrder(self.table, self.user_role)
        QWidget.setTabOrder(self.user_role, self.change_role_button)
        QWidget.setTabOrder(self.change_role_button, self.active_button)
        QWidget.setTabOrder(self.active_button, self.resend_button)
        QWidget.setTabOrder(self.resend_button, self.email.edit)
        QWidget.setTabOrder(self.email.edit, self.name.edit)
        QWidget.setTabOrder(self.name.edit, self.new_role)
        QWidget.setTabOrder(self.new_role, self.invite_button)
        self._needle = ""

    def refresh(self, needle: str = "") -> None:
        self._needle = needle
        listing = self.service.users()
        self.rows = listing.rows
        self.editable = listing.editable
        self.note.setText(listing.note)
        self.selected.setVisible(self.editable)
        self.new_user.setVisible(self.editable)
        if self.editable:
            names = self.service.role_names()
            for combo in (self.user_role, self.new_role):
                # A new person is most often a salesperson: the least access is the default.
                chosen = combo.currentText() or "salesperson"
                combo.clear()
                combo.addItems(names)
                if chosen in names:
                    combo.setCurrentText(chosen)
        self.show_matching(needle)

    def show_matching(self, needle: str) -> None:
        text = needle.strip().lower()
        chosen = self.current()
        shown = [
            u
            for u in self.rows
            if not text or text in f"{u.display_name} {u.email} {' '.join(u.roles)}".lower()
        ]
        self.model.set_rows(shown)
        if chosen is not None:
            self.select(chosen.id)
        self._selection_changed()

    def _open_user(self, _row: int) -> None:
        if self.editable:
            self.user_role.setFocus()

    def current(self) -> UserRow | None:
        indexes = self.table.selectionModel().selectedRows()
        return self.model.row(indexes[0].row()) if indexes else None

    def select(self, user_id: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.row(row).id == user_id:
                self.table.selectRow(row)
                return True
        return False

    def _selection_changed(self, *_: QItemSelection) -> None:
        user = self.current()
        for widget in (self.user_role, self.change_role_button, self.active_button, self.resend_button):
            widget.setEnabled(user is not None)
        show_error(self.roles_error, None)
        if user is None:
            self.active_button.setText("&Deactivate")
            return
        if user.roles:
            self.user_role.setCurrentText(user.roles[0])
        self.active_button.setText("&Deactivate" if user.active else "&Reactivate")

    def _done(self, text: str, user_id: str) -> None:
        self.refresh(self._needle)
        self.select(user_id)
        self.message.setText(text)

    def _refused(self, error: AppError) -> None:
        self.message.setText(f"Not changed: {error}")

    def invite(self) -> None:
        for field in (self.email, self.name):
            field.show_error(None)
        self.message.setText("")
        email, name, role = self.email.edit.text(), self.name.edit.text(), self.new_role.currentText()
        self.work.run(lambda: self.service.invite(email, name, [role]), self._invited)

    def _invited(self, outcome: UserRow | AppError) -> None:
        if isinstance(outcome, ValidationError):
            target = {"email": self.email, "display_name": self.name}.get(outcome.field)
            if target is not None:
                target.show_error(outcome.message)
                target.edit.setFocus()
                self.message.setText("Not saved: correct the marked field.")
            else:
                self.message.setText(f"Not saved: {outcome}")
            return
        if isinstance(outcome, AppError):
            self._refused(outcome)
            return
        self.email.edit.clear()
        self.name.edit.clear()
        sent = " An invitation was e-mailed." if self.service.mode is Mode.SERVER else ""
        roles = ", ".join(outcome.roles)
        self._done(f"Added {outcome.display_name} ({outcome.email}) as {roles}.{sent}", outcome.id)

    def change_role(self) -> None:
        user = self.current()
        if user is None:
            return
        show_error(self.roles_error, None)
        role = self.user_role.currentText()
        self.work.run(lambda: self.service.change_roles(user.id, [role]), self._role_changed)

    def _role_changed(self, outcome: UserRow | AppError) -> None:
        if isinstance(outcome, ValidationError):
            show_error(self.roles_error, outcome.message)
            self.message.setText("Not changed.")
        elif isinstance(outcome, AppError):
            self._refused(outcome)
        else:
            self._done(f"{outcome.display_name} is now {', '.join(outcome.roles)}.", outcome.id)

    def resend_invitation(self) -> None:
        user = self.current()
        if user is None:
            return

        def sent(outcome: AppError | None) -> None:
            if isinstance(outcome, AppError):
                self._refused(outcome)
            else:
                self.message.setText(f"A new invitation was e-mailed to {user.email}.")

        self.work.run(lambda: self.service.resend_invitation(user.id), sent)

    def toggle_active(self) -> None:
        user = self.current()
        if user is None:
            return
        self.work.run(lambda: self.service.set_active(user.id, not user.active), self._active_changed)

    def _active_changed(self, outcome: UserRow | AppError) -> None:
        if isinstance(outcome, AppError):
            self._refused(outcome)
            return
        state = "active again" if outcome.active else "deactivated: they can no longer sign in"
        self._done(f"{outcome.display_name} is {state}.", outcome.id)


BUILTIN_HINT = (
    "Built-in roles are fixed. To change one, create a custom role: it starts with the ticks shown."
)


class RolesTab(QWidget):
    def __init__(self, service: AdministrationService) -> None:
        super().__init__()
        self.service = service
        self.roles: list[RoleRow] = []
        self.all_roles: list[RoleRow] = []
        self.editable = False
        self.note = named(QLabel(), "admin-roles-note")
        self.note.setWordWrap(True)
        self.role_list = named(QListWidget(), "admin-roles")
        self.role_list.setAccessibleName("Roles")
        self.permission_list = named(QListWidget(), "admin-role-permissions")
        self.permission_list.setAccessibleName("Permissions of the selected role")
        self.role_list.currentRowChanged.connect(self._show_role)
        open_with_enter(self.role_list, lambda _row: self.permission_list.setFocus())
        self.hint = named(QLabel(), "admin-role-hint")
        self.hint.setWordWrap(True)
        self.save_button = named(QPushButton("Save &permissions"), "admin-role-save")
        self.save_button.clicked.connect(self.save_permissions)
        self.delete_button = named(QPushButton("&Delete role"), "admin-role-delete")
        self.delete_button.clicked.connect(self.delete_role)
        self.new_name = Field("role_name")
        self.new_name.edit.setPlaceholderText("e.g. lot_porter")
        self.new_name.edit.returnPressed.connect(self.create_role)
        self.create_button = named(QPushButton("&Create role"), "admin-role-create")
        self.create_button.clicked.connect(self.create_role)
        self.permissions_error = error_label("error:permissions")
        self.message = named(QLabel(), "admin-roles-message")
        self.message.setWordWrap(True)
        self.work = Background(self, self.message, threaded=service.mode is Mode.SERVER)
        splitter = QSplitter()
        splitter.addWidget(self.role_list)
        splitter.addWidget(self.permission_list)
        self.controls = QWidget()
        controls = QHBoxLayout(self.controls)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.save_button)
        controls.addWidget(self.delete_button)
        controls.addStretch(1)
        name_label = QLabel("New role &name:")
        name_label.setBuddy(self.new_name.edit)
        controls.addWidget(name_label)
        controls.addWidget(self.new_name, 1)
        controls.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.controls)
        layout.addWidget(self.permissions_error)
        layout.addWidget(self.message)
        QWidget.setTabOrder(self.role_list, self.permission_list)
        QWidget.setTabOrder(self.permission_list, self.save_button)
        QWidget.setTabOrder(self.save_button, self.delete_button)
        QWidget.setTabOrder(self.delete_button, self.new_name.edit)
        QWidget.setTabOrder(self.new_name.edit, self.create_button)

    def refresh(self, needle: str = "") -> None:
        listing = self.service.roles()
        self.editable = listing.editable
        self.note.setText(listing.note)
        self.controls.setVisible(self.editable)
        self.all_roles = listing.rows
        self.show_matching(needle)

    def show_matching(self, needle: str) -> None:
        chosen = self.current()
        text = needle.strip().lower()
        self.roles = [r for r in self.all_roles if not text or text in r.name.lower()]
        self.role_list.clear()
        for role in self.roles:
            self.role_list.addItem(
                f"{role.name}{'' if role.builtin else ' (custom)'} — {len(role.permissions)}"
            )
        if self.roles:
            names = [r.name for r in self.roles]
            self.role_list.setCurrentRow(names.index(chosen.name) if chosen and chosen.name in names else 0)
        else:
            self.permission_list.clear()

    def current(self) -> RoleRow | None:
        row = self.role_list.currentRow()
        return self.roles[row] if 0 <= row < len(self.roles) else None

    def select(self, name: str) -> None:
        names = [r.name for r in self.roles]
        if name in names:
            self.role_list.setCurrentRow(names.index(name))

    def _show_role(self, row: int) -> None:
        self.permission_list.clear()
        show_error(self.permissions_error, None)
        if not 0 <= row < len(self.roles):
            return
        role = self.roles[row]
        changeable = self.editable and not role.builtin
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if changeable:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        for permission in sorted(ALL_PERMISSIONS):
            item = QListWidgetItem(permission)
            item.setFlags(flags)
            item.setCheckState(
                Qt.CheckState.Checked if permission in role.permissions else Qt.CheckState.Unchecked
            )
            self.permission_list.addItem(item)
        self.permission_list.setCurrentRow(0)
        self.save_button.setEnabled(changeable)
        self.delete_button.setEnabled(changeable)
        self.hint.setText(BUILTIN_HINT if role.builtin and self.editable else "")
        self.hint.setVisible(bool(self.hint.text()))

    def granted(self) -> list[str]:
        return [
            self.permission_list.item(i).text()
            for i in range(self.permission_list.count())
            if self.permission_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def set_granted(self, permission: str, granted: bool) -> None:
        """Tick or untick ``permission`` in the list, as a click would."""
        for i in range(self.permission_list.count()):
            item = self.permission_list.item(i)
            if item.text() == permission:
                item.setCheckState(Qt.CheckState.Checked if granted else Qt.CheckState.Unchecked)

    def _save(self, name: str, verb: str) -> None:
        show_error(self.permissions_error, None)
        self.new_name.show_error(None)
        granted = self.granted()
        creating = verb == "created"

        def saved(outcome: RoleRow | AppError) -> None:
            if isinstance(outcome, ValidationError):
                if outcome.field == "name":
                    self.new_name.show_error(outcome.message)
                    self.new_name.edit.setFocus()
                else:
                    show_error(self.permissions_error, f"{outcome.field}: {outcome.message}")
                self.message.setText("Not saved.")
                return
            if isinstance(outcome, AppError):
                self.message.setText(f"Not saved: {outcome}")
                return
            if creating:
                self.new_name.edit.clear()
            self.refresh()
            self.select(outcome.name)
            self.message.setText(f"Role {outcome.name} {verb} with {len(outcome.permissions)} permissions.")

        self.work.run(lambda: self.service.save_role(name, granted, new=creating), saved)

    def save_permissions(self) -> None:
        role = self.current()
        if role is not None and not role.builtin:
            self._save(role.name, "saved")

    def delete_role(self) -> None:
        role = self.current()
        if role is None or role.builtin:
            return
        show_error(self.permissions_error, None)

        def deleted(outcome: AppError | None) -> None:
            if isinstance(outcome, ValidationError):
                show_error(self.permissions_error, outcome.message)
                self.message.setText(f"Role {role.name} not deleted.")
            elif isinstance(outcome, AppError):
                self.message.setText(f"Not deleted: {outcome}")
            else:
                self.refresh()
                self.message.setText(f"Role {role.name} deleted.")

        self.work.run(lambda: self.service.delete_role(role.name), deleted)

    def create_role(self) -> None:
        self._save(self.new_name.edit.text(), "created")
