"""Every on-screen string, in Chinese and English. Screens look strings up by key."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "home.title": {"zh": "请点击您要办理的业务", "en": "Tap the service you need"},
    "home.language": {"zh": "English", "en": "中文"},
    "home.green.title": {"zh": "绿色通道", "en": "Priority Service"},
    "home.green.body": {
        "zh": "60岁以上老人、低保等困难群众\n请把身份证放在下方读卡区",
        "en": "Aged 60+ or on low income?\nLay your ID card on the reader below",
    },
    "home.green.button": {"zh": "我要走\n绿色通道", "en": "Priority\nservice"},
    "home.green.unavailable": {
        "zh": "读卡器暂不可用，需要绿色通道请找工作人员",
        "en": "The card reader is not working. For priority service, please ask staff.",
    },
    "busy.printing": {"zh": "正在出票，请稍候……", "en": "Printing your ticket…"},
    "offer.chosen": {"zh": "您选择了：{service}", "en": "You chose: {service}"},
    "offer.green": {
        "zh": "60岁以上老人、低保等困难群众\n请把身份证放在下方读卡区",
        "en": "Aged 60+ or on low income?\nLay your ID card on the reader below",
    },
    "offer.normal": {"zh": "直接取号\n(不用身份证)", "en": "Normal ticket\n(no ID card)"},
    "card.title": {"zh": "请把身份证放在下方读卡区", "en": "Lay your ID card on the reader below"},
    "card.hint": {
        "zh": "身份证平放在读卡区上，不要移动",
        "en": "Lay the card flat on the reader and hold still",
    },
    "card.reading": {
        "zh": "正在读取身份证，请不要移开……",
        "en": "Reading your card, please keep it there…",
    },
    "result.eligible": {
        "zh": "{name}您好，您可以走绿色通道（{why}）",
        "en": "Hello {name}, you can use the priority service ({why})",
    },
    "result.pick": {"zh": "请点击您要办理的业务", "en": "Now tap the service you need"},
    "result.not_eligible": {
        "zh": "{why}，将为您取普通号",
        "en": "{why}. You will get a normal ticket.",
    },
    "result.scan_not_proof": {
        "zh": "这个码不能证明身份，请放身份证，或找工作人员帮助",
        "en": "This code cannot prove who you are. Please lay your ID card, or ask staff.",
    },
    "result.failed": {
        "zh": "没有读到身份证，请重新放一次，或找工作人员帮助",
        "en": "The card could not be read. Please lay it again, or ask staff.",
    },
    "why.age": {"zh": "{age}岁", "en": "aged {age}"},
    "why.staff": {"zh": "工作人员核实", "en": "verified by staff"},
    "why.not_on_roster": {
        "zh": "您不在绿色通道名单中",
        "en": "You are not on the priority list",
    },
    "why.roster_expired": {
        "zh": "您的绿色通道资格已过期",
        "en": "Your priority entitlement has expired",
    },
    "why.roster_not_yet_valid": {
        "zh": "您的绿色通道资格还未生效",
        "en": "Your priority entitlement has not started yet",
    },
    "why.daily_limit": {
        "zh": "今天的绿色通道次数已用完",
        "en": "Today's priority tickets for you are used up",
    },
    "next.help": {
        "zh": "如需帮助，请按屏幕下方的“需要帮助”",
        "en": "If you need help, tap “Help” at the bottom of the screen",
    },
    "next.desk": {"zh": "有疑问请到服务台", "en": "Questions? Please go to the service desk"},
    "why.card_expired": {
        "zh": "（您的身份证已过期，请尽快换领）",
        "en": "(Your ID card has expired; please renew it.)",
    },
    "ticket.your_number": {"zh": "您的号码", "en": "Your number"},
    "ticket.go_to": {"zh": "请到 {location} 等候", "en": "Please wait at {location}"},
    "ticket.ahead": {"zh": "前面还有 {count} 人", "en": "{count} people ahead of you"},
    "ticket.ahead_wait": {
        "zh": "前面还有 {count} 人，约 {minutes} 分钟",
        "en": "{count} people ahead of you, about {minutes} min",
    },
    "ticket.printing": {"zh": "正在打印号票……", "en": "Printing your ticket…"},
    "ticket.take": {"zh": "请取走号票", "en": "Please take your ticket below"},
    "ticket.not_printed": {
        "zh": "号票没有打出来，请记住号码，找工作人员",
        "en": "The ticket did not print. Remember your number and ask staff.",
    },
    "ticket.reprint": {
        "zh": "您今天已取过这项业务的号，已为您补打号票",
        "en": "You already have a ticket for this service today; here is a copy",
    },
    "ticket.priority": {
        "zh": "绿色通道：工作人员会来帮您办理",
        "en": "Priority: a staff member will come to help you",
    },
    "ticket.done": {"zh": "完成", "en": "Done"},
    "out.title": {"zh": "暂停取号", "en": "Tickets unavailable"},
    "out.body": {
        "zh": "取号机暂时无法出票\n请找工作人员帮助",
        "en": "This machine cannot print tickets right now. Please ask staff.",
    },
    "common.back": {"zh": "返回", "en": "Back"},
    "help.button": {"zh": "需要帮助  Help", "en": "Help  需要帮助"},
    "help.called": {
        "zh": "已通知工作人员，请在这里稍等\n也可以到大厅入口的服务台",
        "en": "Staff have been called. Please wait here,\n"
        "or go to the service desk at the entrance",
    },
    "listen.button": {"zh": "朗读  Read aloud", "en": "Read aloud  朗读"},
    "listen.button_on": {"zh": "朗读中（点一下关闭）", "en": "Reading aloud (tap to stop)"},
    "idle.question": {"zh": "还需要办理吗？", "en": "Do you still need the kiosk?"},
    "idle.detail": {
        "zh": "10 秒后将回到首页",
        "en": "The kiosk goes back to the start in 10 seconds",
    },
    "idle.continue": {"zh": "继续", "en": "Continue"},
    "card.no_card": {"zh": "没带身份证", "en": "No ID card with me"},
    "card.no_card_help": {
        "zh": "请到大厅入口的服务台，工作人员可以人工为您核实\n也可以直接取普通号",
        "en": "Staff at the service desk by the entrance can check who you are by hand.\n"
        "Or take a normal ticket.",
    },
    "card.take_normal": {"zh": "直接取普通号", "en": "Take a normal ticket"},
    "hours.opens_today": {"zh": "今天 {time} 开始取号", "en": "Tickets from {time} today"},
    "hours.opens_tomorrow": {"zh": "明天 {time} 开始取号", "en": "Tickets from {time} tomorrow"},
    "hours.opens_on": {"zh": "{day} {time} 开始取号", "en": "Tickets from {day} {time}"},
    "hours.closed": {"zh": "暂停取号", "en": "No tickets at present"},
    "hours.quota_used": {"zh": "今天的号已发完", "en": "Today's tickets are all gone"},
    "declined.title": {"zh": "{service}：{why}", "en": "{service}: {why}"},
    "pin.title": {"zh": "工作人员登录", "en": "Staff sign-in"},
    "pin.prompt": {"zh": "请输入工作人员密码", "en": "Enter the staff PIN"},
    "pin.wrong": {"zh": "密码错误，还可以试 {left} 次", "en": "Wrong PIN, {left} tries left"},
    "pin.locked": {
        "zh": "错误次数过多，请 {minutes} 分钟后再试",
        "en": "Too many wrong PINs. Try again in {minutes} min.",
    },
    "pin.not_set": {
        "zh": "未设置工作人员密码：请技术人员运行 kiosk pin set",
        "en": "No staff PIN is set: a technician must run `kiosk pin set`",
    },
    "pin.checking": {"zh": "正在核对……", "en": "Checking…"},
    "keypad.ok": {"zh": "确定", "en": "OK"},
}

WEEKDAY_NAMES: dict[str, tuple[str, ...]] = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

CATEGORY_NAMES: dict[str, dict[str, str]] = {
    "subsistence": {"zh": "低保", "en": "subsistence allowance"},
    "extreme_poverty": {"zh": "特困", "en": "extreme-poverty support"},
    "near_subsistence": {"zh": "低保边缘", "en": "near-subsistence"},
    "elderly": {"zh": "老年人", "en": "senior citizen"},
    "disabled": {"zh": "残疾人", "en": "disability"},
    "age": {"zh": "按年龄", "en": "by age"},
    "staff_verified": {"zh": "工作人员核实", "en": "verified by staff"},
}

STAFF_REASONS: dict[str, dict[str, str]] = {
    "paper_out": {"zh": "打印机缺纸", "en": "printer out of paper"},
    "offline": {"zh": "打印机离线", "en": "printer offline"},
    "error": {"zh": "打印机故障", "en": "printer error"},
    "no_numbers": {
        "zh": "本机号段已用完，连不上大厅服务器",
        "en": "leased numbers used up, hall server unreachable",
    },
}


def tr(key: str, lang: str, **params: object) -> str:
    text = STRINGS[key][lang]
    return text.format(**params) if params else text


def category_name(code: str | None, lang: str) -> str:
    if not code:
        return ""
    return CATEGORY_NAMES.get(code, {}).get(lang, code)
