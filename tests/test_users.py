"""Users file, sign-in checks and who may change the library (rag.users, rag users)."""

import asyncio
import io
import json

import pytest

from rag import users
from rag.cli import main


def test_users_file_round_trip_keeps_names_roles_and_checks_passwords(tmp_path):
    path = tmp_path / "index" / "users.json"
    users.add(path, "王芳", "editor", "长城长城长城长城")
    users.add(path, "li", "reader", "password-li")
    loaded = users.load(path)
    assert {n: u.role for n, u in loaded.items()} == {"王芳": "editor", "li": "reader"}
    assert users.check(loaded, "王芳", "长城长城长城长城").name == "王芳"
    assert "长城" not in path.read_text(encoding="utf-8")  # only the hash is kept
    assert path.stat().st_mode & 0o077 == 0


def test_a_wrong_password_or_an_unknown_name_is_refused(tmp_path):
    path = tmp_path / "users.json"
    users.add(path, "li", "reader", "password-li")
    loaded = users.load(path)
    assert users.check(loaded, "li", "password-LI") is None
    assert users.check(loaded, "li", "") is None
    assert users.check(loaded, "zhang", "password-li") is None


def test_the_hash_is_salted_so_one_password_gives_two_hashes(tmp_path):
    path = tmp_path / "users.json"
    users.add(path, "a", "reader", "same-password")
    users.add(path, "b", "reader", "same-password")
    a, b = users.load(path)["a"], users.load(path)["b"]
    assert a.salt != b.salt and a.hash != b.hash


def test_a_damaged_users_file_is_one_line_naming_it(tmp_path):
    path = tmp_path / "users.json"
    for text in ("{not json", '{"version": 1, "users": [{"name": "x"}]}', "[]"):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(users.UsersProblem) as caught:
            users.load(path)
        assert "\n" not in str(caught.value) and str(path) in str(caught.value)
    assert users.load(tmp_path / "absent.json") == {}


def test_a_bad_role_or_short_password_is_refused_and_nothing_written(tmp_path):
    path = tmp_path / "users.json"
    with pytest.raises(users.UsersProblem, match="role"):
        users.add(path, "li", "admin", "password-li")
    with pytest.raises(users.UsersProblem, match="8 characters"):
        users.add(path, "li", "reader", "short")
    assert not path.exists()


def test_cli_users_add_list_remove_with_the_password_from_stdin(tmp_path, monkeypatch, capsys):
    index = tmp_path / "index"
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-password\n"))
    assert (
        main(
            ["users", "add", "wang", "--role", "editor", "--password-stdin"]
            + ["--index", str(index)]
        )
        == 0
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("reader-password\n"))
    assert main(["users", "add", "li", "--password-stdin", "--index", str(index)]) == 0
    loaded = users.load(index / "users.json")
    assert users.check(loaded, "wang", "s3cret-password").role == "editor"
    assert users.check(loaded, "li", "reader-password").role == "reader"
    capsys.readouterr()
    assert main(["users", "list", "--index", str(index)]) == 0
    assert capsys.readouterr().out == "li\treader\nwang\teditor\n"
    assert main(["users", "remove", "li", "--index", str(index)]) == 0
    assert set(users.load(index / "users.json")) == {"wang"}
    assert main(["users", "remove", "li", "--index", str(index)]) == 2
    assert capsys.readouterr().err.startswith("error: no user 'li'")


def test_cli_users_honours_the_users_flag_and_env(tmp_path, monkeypatch):
    elsewhere = tmp_path / "etc" / "gba-users.json"
    monkeypatch.setenv("RAG_USERS", str(elsewhere))
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-password\n"))
    assert main(["users", "add", "wang", "--password-stdin"]) == 0
    assert set(json.loads(elsewhere.read_text())["users"][0]) == {"name", "role", "salt", "hash"}


def test_cli_users_has_no_password_argument():
    with pytest.raises(SystemExit):
        main(["users", "add", "wang", "--password", "x"])


def test_access_loopback_is_open_off_loopback_read_only_or_sign_in():
    for host in ("127.0.0.1", "localhost", "::1"):
        assert users.access(host, have_users=True) == users.OPEN
        assert users.access(host, have_users=False) == users.OPEN
    assert users.access("0.0.0.0", have_users=False) == users.READ_ONLY
    assert users.access("10.0.0.11", have_users=True) == users.SIGN_IN
    assert users.may_edit(users.OPEN, None)
    assert not users.may_edit(users.READ_ONLY, "editor")
    assert not users.may_edit(users.SIGN_IN, "reader")
    assert not users.may_edit(users.SIGN_IN, None)
    assert users.may_edit(users.SIGN_IN, "editor")


def test_failed_sign_ins_wait_longer_each_time_and_success_resets(tmp_path):
    path = tmp_path / "users.json"
    users.add(path, "li", "reader", "password-li")
    waits = []

    async def sleep(seconds):
        waits.append(seconds)

    gate = users.SignIn(path, sleep=sleep)

    async def tries():
        results = [await gate.attempt("li", "wrong-password") for _ in range(4)]
        return results + [
            await gate.attempt("li", "password-li"),
            await gate.attempt("li", "wrong-password"),
        ]

    assert asyncio.run(tries()) == [False] * 4 + [True, False]
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 0.0]


def test_a_slowed_sign_in_does_not_hold_up_other_users(tmp_path):
    path = tmp_path / "users.json"
    users.add(path, "li", "reader", "password-li")
    users.add(path, "wang", "editor", "password-wang")

    async def scenario():
        release = asyncio.Event()
        waited = []

        async def sleep(seconds):
            waited.append(seconds)
            if len(waited) == 4:  # the try after three failures waits until released
                await release.wait()

        gate = users.SignIn(path, sleep=sleep)
        for _ in range(3):
            await gate.attempt("li", "guess")
        slowed = asyncio.create_task(gate.attempt("li", "password-li"))
        await asyncio.sleep(0)
        # While li's try waits: wang signs in, and a parallel try for li waits its turn.
        other = await asyncio.wait_for(gate.attempt("wang", "password-wang"), timeout=5)
        parallel = asyncio.create_task(gate.attempt("li", "password-li"))
        await asyncio.sleep(0.05)
        assert not slowed.done() and not parallel.done()
        release.set()
        return other, await slowed, await asyncio.wait_for(parallel, timeout=5)

    # The real user's right password is not made to fail by a try queued beside it.
    assert asyncio.run(scenario()) == (True, True, True)


def test_sign_in_reads_roles_from_the_file_as_it_is_now(tmp_path):
    path = tmp_path / "users.json"
    users.add(path, "wang", "editor", "password-wang")
    gate = users.SignIn(path)
    assert gate.role("wang") == "editor"
    users.add(path, "wang", "reader", "password-wang")
    assert gate.role("wang") == "reader"
    users.remove(path, "wang")
    assert gate.role("wang") is None and gate.role(None) is None


def test_the_sign_in_check_is_awaited_by_gradio_not_taken_as_true(tmp_path):
    # Gradio awaits ``auth`` only if iscoroutinefunction; else a coroutine is truthy.
    import inspect

    assert inspect.iscoroutinefunction(users.SignIn(tmp_path / "users.json").attempt)


@pytest.mark.parametrize("name", ["o'neil", 'say"hi', "back\\slash", "tab\tname", ""])
def test_a_user_name_with_quotes_spaces_or_control_characters_is_refused(tmp_path, name):
    with pytest.raises(users.UsersProblem, match="without spaces or quotes"):
        users.add(tmp_path / "users.json", name, "reader", "password-ok")
    assert not (tmp_path / "users.json").exists()
