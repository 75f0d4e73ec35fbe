"""Every on-screen string, in Chinese and English. Screens look strings up by key."""

from __future__ import annotations

LANGUAGES = ("zh", "en")

STRINGS: dict[str, dict[str, str]] = {
    "home.title": {"zh": "请点击您要办理的业务", "en": "Tap the service you need"},
    "home.language": {"zh": "English", "en": "中文"},
    "home.green.title": {"zh": "绿色通道", "en": "Priority Service"},
    "home.green.body": {
        "zh": "60岁以上老人、低保等困难群众\n请把身份证放在下方读卡区",
        "en": "Aged 60+ or on low income?\nLay your ID card on the reader below",
    },
    "home.green.button": {"zh": "我要走绿色通道", "en": "Priority service"},
    "home.green.unavailable": {
        "zh": "读卡器暂不可用，请找工作人员帮助",
        "en": "The card reader is not working. Please ask staff.",
    },
    "busy.printing": {"zh": "正在出票，请稍候……", "en": "Printing your ticket…"},
    "ticket.your_number": {"zh": "您的号码", "en": "Your number"},
    "ticket.go_to": {"zh": "请到 {location} 等候", "en": "Please wait at {location}"},
    "ticket.ahead": {"zh": "前面还有 {count} 人", "en": "{count} people ahead of you"},
    "ticket.take": {"zh": "请取走下方的号票", "en": "Please take your ticket below"},
    "ticket.not_printed": {
        "zh": "号票没有打印出来，请记住号码并找工作人员补打",
        "en": "The ticket did not print. Remember your number and ask staff for a copy.",
    },
    "ticket.reprint": {"zh": "已为您补打号票", "en": "Your ticket has been printed again"},
    "ticket.priority": {
        "zh": "绿色通道：工作人员会来帮您办理",
        "en": "Priority: a staff member will come to help you",
    },
    "ticket.done": {"zh": "完成", "en": "Done"},
    "out.title": {"zh": "暂停取号", "en": "Tickets unavailable"},
    "out.body": {
        "zh": "取号机暂时无法出票，请找工作人员帮助",
        "en": "This machine cannot print tickets right now. Please ask staff.",
    },
    "out.error": {
        "zh": "出票时发生错误，请找工作人员帮助",
        "en": "Something went wrong. Please ask staff.",
    },
    "common.back": {"zh": "返回", "en": "Back"},
}

STAFF_REASONS: dict[str, dict[str, str]] = {
    "paper_out": {"zh": "打印机缺纸", "en": "printer out of paper"},
    "offline": {"zh": "打印机离线", "en": "printer offline"},
    "error": {"zh": "打印机故障", "en": "printer error"},
}


def tr(key: str, lang: str, **params: object) -> str:
    text = STRINGS[key][lang]
    return text.format(**params) if params else text
