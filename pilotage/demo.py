"""Demo data of the governance: the bodies, their members, missions and meetings."""

from conventions.demo import read_yaml

from .models import Body, Meeting, Member, Mission


def load(folder, context):
    data = read_yaml(folder, "pilotage.yaml")
    if not data or not context.get("is_new"):
        return
    convention = context["convention"]
    organisations = context["organisations"]
    intros = data.get("intro_texts", {})
    for order, item in enumerate(data["bodies"], start=1):
        composition = "\n\n".join(
            text.strip()
            for text in (intros.get(item["key"], ""), item["composition_intro"])
            if text
        )
        body = Body.objects.create(
            convention=convention,
            kind=item["kind"],
            name=item["name"],
            order=order,
            optional=item.get("optional", False),
            sectors="\n".join(item.get("sectors", [])),
            composition_intro=composition,
            missions_intro=item.get("missions_intro", ""),
            copilots_text=item.get("copilots_text", ""),
            secretariat=item.get("secretariat", ""),
            secretariat_text=item.get("secretariat_text", ""),
            min_meetings_per_year=item.get("min_meetings_per_year"),
            meetings_text=item.get("meetings_text", ""),
        )
        body.copilots.set(organisations[key] for key in item.get("copilots", []))
        Member.objects.bulk_create(
            Member(
                body=body,
                order=position,
                role=f"{member.get('article', '')} {member['role']}".strip(),
                organisation=organisations.get(member.get("organisation")),
                consultative=member.get("consultative", False),
            )
            for position, member in enumerate(item.get("members", []), start=1)
        )
        Mission.objects.bulk_create(
            Mission(body=body, order=position, text=text)
            for position, text in enumerate(item.get("missions", []), start=1)
        )
        for meeting in item.get("meetings", []):
            Meeting.objects.create(body=body, **meeting)
