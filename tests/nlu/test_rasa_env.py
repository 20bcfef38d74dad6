from pathlib import Path

import yaml

from nlu.rasa_env import RasaProject, sib200_out_of_scope


def test_sib200_train_sentences_become_out_of_scope_examples(tmp_path: Path) -> None:
    folder = tmp_path / "tha_Thai"
    folder.mkdir()
    (folder / "train.tsv").write_text(
        "index_id\tcategory\ttext\n2\tsports\tประโยคที่สอง [ลิงก์](x)\n1\ttravel\tประโยคแรก\n",
        encoding="utf-8",
    )
    (folder / "test.tsv").write_text(
        "index_id\tcategory\ttext\n3\tsports\tห้ามใช้\n", encoding="utf-8"
    )
    data = yaml.safe_load(sib200_out_of_scope(tmp_path, per_language=5))
    (block,) = data["nlu"]
    assert block["intent"] == "out_of_scope"
    assert block["examples"].splitlines() == ["- ประโยคแรก", "- ประโยคที่สอง ลิงก์ (x)"]


def test_no_sib200_folder_means_no_extra_examples(tmp_path: Path) -> None:
    assert sib200_out_of_scope(tmp_path / "missing") == ""


def test_the_model_name_follows_data_and_config(tmp_path: Path) -> None:
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "config.yml").write_text("pipeline: []\n")
    (tmp_path / "data" / "nlu" / "en.yml").write_text("nlu: []\n")
    project = RasaProject(root=tmp_path)
    first = project.model_name()
    assert project.model_name() == first
    (tmp_path / "data" / "nlu" / "en.yml").write_text("nlu: [] # changed\n")
    assert project.model_name() != first
