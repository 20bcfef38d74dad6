import pytest

from actions.handoff import wants_person


@pytest.mark.parametrize(
    "text",
    [
        "I want to talk to a person",
        "can i speak with a real human pls",
        "转人工",
        "我想找工作人员",
        "ขอคุยกับเจ้าหน้าที่หน่อยค่ะ",
        "cho mình nói chuyện với nhân viên",
        "cho minh gap nguoi that",
        "ខ្ញុំចង់និយាយជាមួយបុគ្គលិក",
        "ຂໍລົມກັບພະນັກງານແດ່",
        "ဝန်ထမ်းနဲ့ စကားပြောချင်ပါတယ်",
    ],
)
def test_requests_for_a_person_in_seven_languages(text: str) -> None:
    assert wants_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "What is LMEC?",
        "how many people took part?",
        "绿色澜湄计划是什么",
        "ใครเป็นคนให้ทุน",
        "du an nay co bao nhieu nguoi tham gia",
        # Asking for the way to reach staff: the contact entry answers.
        "ขอช่องทางติดต่อเจ้าหน้าที่ค่ะ",
        "工作人员的联系电话是多少",
        "phone number of your staff please",
        "cho xin sdt nhân viên",
    ],
)
def test_ordinary_questions_are_not_requests_for_a_person(text: str) -> None:
    assert not wants_person(text)
