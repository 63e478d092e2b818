"""Two short news stories written for the tests, and helpers to make versions of them."""

import textwrap

from reprints.load import document_from_text

FERRY = [
    "The island ferry service will stop its night crossings from the first of April, the operator said on Tuesday, blaming a shortage of qualified deck crew and the rising cost of fuel.",
    "Harbour master Ilse Brandt told reporters that only two of the four vessels in the fleet had a full crew last month, and that several sailings had left with the minimum number allowed by law.",
    "\"We cannot keep asking the same twelve people to work double shifts through the winter,\" Brandt said. \"Safety has to come before the timetable.\"",
    "Island residents reacted with anger. The council leader, Tomas Ekberg, said the decision would cut off nurses and shift workers who rely on the last boat home after eleven in the evening.",
    "The operator said day crossings would run as before and that a late bus connection would be added on the mainland side for passengers who miss the final evening departure.",
    "A spokesman for the maritime workers' union said members had warned about staffing for more than two years and would ask for talks with the regional government next week.",
    "The regional transport ministry said it would review the contract, which runs until 2027 and includes penalties for cancelled sailings, before deciding whether to step in.",
    "Last year the service carried just over 410,000 passengers and 96,000 vehicles, according to figures published by the operator in its annual report in February.",
]

MINE = [
    "A copper mine in the northern highlands was evacuated on Friday after a tailings dam showed cracks following three days of heavy rain, mining company Valdor said in a statement.",
    "About 300 workers were moved to a camp twelve kilometres away, and villages downstream were told to prepare for possible flooding of the river valley overnight.",
    "Valdor chief executive Marta Quispe said engineers were pumping water out of the reservoir to lower pressure on the wall. \"There is no immediate danger to anyone,\" she said.",
    "Environmental groups said they had raised concerns about the dam in a report submitted to the mining authority eighteen months ago, which warned that drainage channels were blocked.",
    "The mine produced about 85,000 tonnes of copper last year and employs close to 1,200 people, making it the largest private employer in the province.",
    "Shares in Valdor fell 7 percent in early trading in Lima before recovering some of the loss after the company said production at its other sites was not affected.",
]


def body(paras: list[str]) -> str:
    return "\n\n".join(paras)


def agency(title: str, agency_name: str, date: str, paras: list[str], url: str | None = None) -> str:
    text = f"{title}\n\nBy {agency_name}\n\n{date}\n\n{body(paras)}\n"
    if url:
        text += f"\nOriginal url:\n\n{url}\n"
    return text


def wrapped(paras: list[str], width: int = 88) -> str:
    return "\n\n".join(textwrap.fill(p, width) for p in paras) + "\n"


def doc(doc_id: str, text: str):
    return document_from_text(doc_id, text)
