"""Rule 12's password rules, as plain functions and at every place a password is set."""

from __future__ import annotations

import pytest

from clinic.auth.passwords import common_passwords, password_problem


def test_the_shipped_common_password_list_is_large_enough():
    assert len(common_passwords()) >= 10_000
    assert {"password", "123456", "qwerty123456"} <= common_passwords()


@pytest.mark.parametrize(
    "password, problem",
    [
        ("elevenchars", "Use at least 12 characters."),
        ("x" * 201, "Use at most 200 characters."),
        ("qwerty123456", "This password is on a list of common passwords; choose another."),
        ("QWERTY123456", "This password is on a list of common passwords; choose another."),
        ("1qaz2wsx3edc", "This password is on a list of common passwords; choose another."),
        ("maria.lopez@clinic.test", "Do not use your email or your name as your password."),
        ("Maria.Lopez@Clinic.Test", "Do not use your email or your name as your password."),
        ("maria.lopez1", None),  # more than the email's local part
        ("Maria Lopez Garcia", "Do not use your email or your name as your password."),
        ("mariaLOPEZgarcia", "Do not use your email or your name as your password."),
        ("twelve chars", None),
        ("a river runs through the valley " * 4, None),  # 128 characters
    ],
)
def test_password_problem(password, problem):
    assert password_problem(password, email="maria.lopez@clinic.test", name="Maria Lopez Garcia") == problem


def test_the_email_local_part_alone_is_refused():
    assert password_problem("maria.lopez.", email="maria.lopez.@clinic.test") is not None
    assert password_problem("abcdefghijkl", email="abcdefghijkl@clinic.test") == (
        "Do not use your email or your name as your password."
    )


def test_users_create_refuses_a_common_password_and_the_email(app, db):
    runner = app.test_cli_runner()
    for password in ("qwerty123456", "pat.long@clinic.test"):
        result = runner.invoke(
            args=["users", "create", "--email", "pat.long@clinic.test", "--name", "Pat Long", "--role", "admin"],
            input=password + "\n",
        )
        assert result.exit_code == 1
        assert "password:" in result.output
