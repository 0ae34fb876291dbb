"""Demo data of the diagnostic: indicators and observations, the sections and tables of
annexe 1, the offer of services and its funding, the glossary and the problématiques."""

from decimal import Decimal

from conventions.demo import read_yaml, upsert
from conventions.models import Territory

from .models import (
    FundingAmount,
    FundingScheme,
    GlossaryEntry,
    Indicator,
    IndicatorTable,
    Observation,
    Problematique,
    Section,
    SourceFigure,
    SpendingLine,
    Structure,
    StructureFunding,
    TableColumn,
    TableRow,
)

SECTION_BLOCKS = {
    "offre_services": Section.Block.STRUCTURES,
    "participation_epci": Section.Block.SPENDING,
    "aides_fonctionnement": Section.Block.FUNDING,
    "glossaire": Section.Block.GLOSSARY,
    "problematiques": Section.Block.PROBLEMATIQUES,
}


def decimal(value):
    return None if value is None else Decimal(str(value))


def load(folder, context):
    tables = read_yaml(folder, "tables.yaml")
    diagnostic = read_yaml(folder, "diagnostic.yaml")
    territories = {t.code: t for t in Territory.objects.all()}
    indicators = load_indicators(tables, territories)
    schemes = {
        item["code"]: upsert(
            FundingScheme, code=item["code"].lower(), defaults={"label": item["label"]}
        )
        for item in diagnostic.get("schemes", [])
    }
    if not context.get("is_new") or not diagnostic:
        return
    convention = context["convention"]
    sections = load_sections(convention, diagnostic)
    load_tables(tables.get("tables", []), sections, indicators, territories)
    structures = load_structures(convention, diagnostic, context["fields"], territories)
    load_spending(convention, diagnostic, context["fields"], structures)
    load_funding(convention, diagnostic, structures, schemes)
    GlossaryEntry.objects.bulk_create(
        GlossaryEntry(convention=convention, order=order, **item)
        for order, item in enumerate(diagnostic.get("glossary", []), start=1)
    )
    load_problematiques(convention, diagnostic, context)


def load_indicators(data, territories):
    indicators = {}
    for item in data.get("indicators", []):
        code = item["code"]
        indicators[code] = upsert(
            Indicator,
            code=code.lower(),
            defaults={key: item.get(key, "") for key in ("label", "unit", "source", "theme")}
            | {"definition": item.get("definition") or ""},
        )
    for item in data.get("observations", []):
        upsert(
            Observation,
            indicator=indicators[item["indicator"]],
            territory=territories[item["territory"]],
            year=item["year"],
            defaults={"value": decimal(item.get("value")), "note": item.get("note", "")},
        )
    return indicators


def load_sections(convention, data):
    sections = {}
    for item in data.get("sections", []):
        sections[item["key"]] = Section.objects.create(
            convention=convention,
            key=item["key"],
            order=item["order"],
            level=item.get("level", 2),
            title=item["title"],
            source=item.get("source") or "",
            body=item.get("body") or "",
            commentary=item.get("commentary") or "",
            block=SECTION_BLOCKS.get(item["key"], Section.Block.NONE),
            lost_figures="\n".join(item.get("lost_figures") or []),
        )
    conclusion = data.get("problematiques_conclusion")
    if conclusion and "problematiques" in sections:
        section = sections["problematiques"]
        section.commentary = "\n\n".join(filter(None, [section.commentary.strip(), conclusion]))
        section.save()
    between = {item["key"]: item.get("between_tables") for item in data.get("sections", [])}
    return sections, between


def load_tables(items, sections_and_between, indicators, territories):
    sections, between = sections_and_between
    for item in items:
        section = sections[item["section"]]
        table = IndicatorTable.objects.create(
            section=section,
            key=item["key"],
            order=item["order"],
            title=item["title"],
            trend_threshold=decimal(item.get("trend_threshold")),
            trend_threshold_points=decimal(item.get("trend_threshold_points")),
            decimals=item.get("decimals", 1),
            commentary=(between.get(item["section"]) or "") if item["order"] == 1 else "",
        )
        columns = [
            TableColumn.objects.create(
                table=table,
                order=order,
                kind=column["kind"],
                territory=territories[column["territory"]],
                year=column.get("year"),
                from_year=column.get("from_year"),
                to_year=column.get("to_year"),
                label=column.get("label", ""),
            )
            for order, column in enumerate(item["columns"], start=1)
        ]
        rows = {}
        for order, row in enumerate(item["rows"], start=1):
            rows[row["indicator"]] = TableRow.objects.create(
                table=table,
                order=order,
                indicator=indicators[row["indicator"]],
                label=row.get("label", ""),
                style=row.get("style", ""),
                share_of=indicators.get(row.get("share_of")),
                display=row.get("display", TableRow.Display.VALUE),
            )
        SourceFigure.objects.bulk_create(
            SourceFigure(
                row=rows[cell["row"]], column=columns[cell["column"] - 1], text=cell["text"]
            )
            for cell in item.get("printed", [])
        )


def load_structures(convention, data, fields, territories):
    communes = {t.name: t for t in territories.values() if t.kind == Territory.Kind.COMMUNE}
    structures = {}
    for item in data.get("structures", []):
        structures[item["key"]] = Structure.objects.create(
            convention=convention,
            key=item["key"].replace("_", "-"),
            name=item["name"],
            kind=item["kind"],
            field=fields.get(item.get("field")),
            commune=communes.get(item.get("commune")),
            manager=item.get("manager") or "",
            capacity=decimal(item.get("capacity")),
            capacity_unit=item.get("capacity_unit") or "",
            opening_hours=item.get("opening_hours") or "",
            status=item.get("status", Structure.Status.EXISTING),
            opened_year=item.get("opened"),
            in_territory=item.get("in_territory", True),
            description=item.get("description") or "",
        )
    return structures


def load_spending(convention, data, fields, structures):
    SpendingLine.objects.bulk_create(
        SpendingLine(
            convention=convention,
            order=order,
            field=fields[item["field"]],
            structure=structures.get(item.get("structure")),
            label=item["label"],
            financing=item["financing"],
            year=item["year"],
            amount=decimal(item["amount"]),
            detail=item.get("detail") or "",
        )
        for order, item in enumerate(data.get("epci_spending", []), start=1)
    )


def load_funding(convention, data, structures, schemes):
    for order, item in enumerate(data.get("caf_funding", []), start=1):
        funding = StructureFunding.objects.create(
            convention=convention,
            order=order,
            structure=structures[item["structure"]],
            label=item["label"],
            year=item["year"],
            budget=decimal(item.get("budget")),
            activity=item.get("activity") or "",
            activity_quantity=decimal(item.get("activity_quantity")),
            activity_unit=item.get("activity_unit") or "",
        )
        FundingAmount.objects.bulk_create(
            FundingAmount(
                funding=funding,
                scheme=schemes.get(amount.get("scheme")),
                amount=decimal(amount["amount"]),
                printed_rate=amount.get("printed_rate") or "",
            )
            for amount in item.get("amounts", [])
        )


def load_problematiques(convention, data, context):
    fields = context["fields"]
    problematiques = {}
    for item in data.get("problematiques", []):
        problematique = Problematique.objects.create(
            convention=convention,
            order=item["order"],
            field=fields.get(item.get("field")),
            title=item["title"],
            text=item["text"].strip(),
            retained=item.get("retained", True),
        )
        problematiques[item.get("field")] = problematique
    for action, codes in context.get("actions", []):
        for code in codes:
            problematiques[code].actions.add(action)
