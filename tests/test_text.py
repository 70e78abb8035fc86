from __future__ import annotations

import pytest

from db.text import fold, fold_names


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (["Zelenski", "Zelensky", "Zelenskyy", "Зеленський", "ZELENSKIY"], "zilinski"),
        (["Serguei Lavrov", "Sergei Lavrov", "Sergey Lavrov", "Сергей Лавров"], "sirgi lavrov"),
        (["Kiev", "Kyiv", "Київ", "KYIV"], "kiv"),
        (["Dmitri Peskov", "Dmitry Peskov", "Дмитрий Песков"], "dmitri piskov"),
        (["Élysée", "Elysee", "ELYSÉE"], "ilisi"),
    ],
)
def test_spellings_fold_to_one_key(spellings: list[str], key: str) -> None:
    assert {fold(s) for s in spellings} == {key}


def test_different_names_stay_different() -> None:
    assert fold("Vladimir Putin") != fold("Volodymyr Zelensky")
    assert fold("Joe Biden") != fold("Boris Johnson")


def test_fold_names_delimits_each_name_once() -> None:
    assert fold_names(["Normandy Format", "Normandy format", "Normandy Four"]) == (
        "|normandi format|normandi four|"
    )
    assert fold_names([]) == ""
