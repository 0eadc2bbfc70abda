"""Write docs/review-screenshot.png: the review page of a 37-variable graph, partly reviewed.

The graph is an invented health-economics example (not a published network): how social
position, behaviour and care shape cardiovascular and respiratory events, costs and quality of
life. Needs Debian's chromium at /usr/bin/chromium and the `playwright` package.

Usage:
    python scripts/make_review_screenshot.py [--output docs/review-screenshot.png]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pywhy_llm_assist.graph._causal_graph import CausalGraph, DroppedEdge, Edge, Provenance
from pywhy_llm_assist.review._decisions import to_review_html

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGUMENTS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

VARIABLES: dict[str, str] = {
    "age": "age in years at baseline",
    "sex": "sex recorded at birth",
    "genetic_risk": "polygenic risk score for cardiometabolic disease",
    "parental_education": "highest education of either parent",
    "childhood_deprivation": "material deprivation index in childhood",
    "education_years": "years of full-time education",
    "health_literacy": "score on a health literacy questionnaire",
    "household_income": "equivalised household income",
    "employment_status": "employed, unemployed or retired",
    "occupation_physical_demand": "physical demand of the main occupation",
    "neighbourhood_deprivation": "area deprivation index of the home address",
    "air_pollution_exposure": "annual mean fine particulate exposure at home",
    "housing_quality": "damp, cold or overcrowded housing (inverse score)",
    "social_support": "perceived social support score",
    "insurance_coverage": "supplementary health insurance held",
    "distance_to_clinic": "travel time to the nearest primary care clinic",
    "smoking": "current smoking, cigarettes per day",
    "alcohol_use": "weekly alcohol units",
    "physical_activity": "weekly minutes of moderate activity",
    "diet_quality": "diet quality index",
    "body_mass_index": "body mass index",
    "chronic_stress": "long-term psychosocial stress (not measured)",
    "blood_pressure": "systolic blood pressure",
    "type2_diabetes": "diagnosed type 2 diabetes",
    "depression": "diagnosed depression",
    "primary_care_visits": "primary care visits per year",
    "preventive_screening": "attended cardiovascular screening",
    "statin_prescription": "statin prescribed",
    "medication_adherence": "share of days covered by prescriptions",
    "cardiovascular_event": "myocardial infarction or stroke during follow-up",
    "copd": "chronic obstructive pulmonary disease",
    "hospital_admissions": "hospital admissions during follow-up",
    "out_of_pocket_costs": "health spending paid by the household",
    "sick_leave_days": "days of sick leave per year",
    "productivity_loss": "value of work time lost to illness",
    "total_healthcare_cost": "total cost to the health system",
    "quality_adjusted_life_years": "QALYs over follow-up",
}

# (cause, effect, confidence, rationale): what a model might have proposed.
PROPOSED: list[tuple[str, str, float, str]] = [
    ("age", "employment_status", 0.9, "Retirement and labour market exit depend on age."),
    ("age", "blood_pressure", 0.95, "Arterial stiffening raises blood pressure with age."),
    ("age", "type2_diabetes", 0.85, "Diabetes incidence rises with age."),
    ("age", "cardiovascular_event", 0.95, "Age is the strongest cardiovascular risk factor."),
    ("age", "copd", 0.7, "Lung function declines with age."),
    ("sex", "smoking", 0.6, "Smoking prevalence differs by sex."),
    ("sex", "cardiovascular_event", 0.8, "Men have events earlier than women."),
    ("sex", "alcohol_use", 0.6, "Drinking patterns differ by sex."),
    ("sex", "insurance_coverage", 0.3, "Insurance uptake may differ by sex."),
    ("genetic_risk", "body_mass_index", 0.6, "Adiposity is partly heritable."),
    ("genetic_risk", "type2_diabetes", 0.8, "Polygenic scores predict diabetes."),
    ("genetic_risk", "blood_pressure", 0.6, "Blood pressure is partly heritable."),
    ("genetic_risk", "depression", 0.35, "Shared genetic liability has been reported."),
    ("parental_education", "childhood_deprivation", 0.75, "Parental schooling shapes income."),
    ("parental_education", "education_years", 0.85, "Education is transmitted."),
    ("childhood_deprivation", "education_years", 0.7, "Deprivation limits schooling."),
    ("childhood_deprivation", "chronic_stress", 0.55, "Early adversity has lasting effects."),
    ("education_years", "health_literacy", 0.85, "Schooling builds health literacy."),
    ("education_years", "household_income", 0.9, "Returns to education."),
    ("education_years", "occupation_physical_demand", 0.75, "Education sorts into jobs."),
    ("education_years", "smoking", 0.7, "Smoking falls with education."),
    ("health_literacy", "medication_adherence", 0.7, "Understanding treatment aids adherence."),
    ("health_literacy", "preventive_screening", 0.65, "Literate patients seek screening."),
    ("health_literacy", "diet_quality", 0.55, "Nutrition knowledge improves diet."),
    ("household_income", "neighbourhood_deprivation", 0.8, "Income decides where one lives."),
    ("household_income", "housing_quality", 0.8, "Income buys better housing."),
    ("household_income", "insurance_coverage", 0.75, "Insurance costs money."),
    ("household_income", "diet_quality", 0.6, "Healthy food costs more."),
    ("employment_status", "household_income", 0.9, "Earnings come from work."),
    ("employment_status", "insurance_coverage", 0.7, "Employers provide insurance."),
    ("employment_status", "chronic_stress", 0.5, "Unemployment is a stressor."),
    ("physical_activity", "occupation_physical_demand", 0.4, "Fit people choose manual jobs."),
    ("neighbourhood_deprivation", "air_pollution_exposure", 0.65, "Poor areas are near roads."),
    ("neighbourhood_deprivation", "distance_to_clinic", 0.5, "Clinics are fewer in poor areas."),
    ("neighbourhood_deprivation", "social_support", 0.45, "Community cohesion varies."),
    ("air_pollution_exposure", "copd", 0.75, "Particulates damage airways."),
    ("air_pollution_exposure", "cardiovascular_event", 0.6, "Particulates trigger events."),
    ("housing_quality", "copd", 0.45, "Damp housing harms the lungs."),
    ("social_support", "depression", 0.65, "Isolation is a risk factor for depression."),
    ("social_support", "medication_adherence", 0.45, "Family helps with medicines."),
    ("insurance_coverage", "primary_care_visits", 0.75, "Coverage lowers the price of visits."),
    ("insurance_coverage", "out_of_pocket_costs", 0.85, "Insurance pays part of the bill."),
    ("insurance_coverage", "statin_prescription", 0.4, "Covered drugs are prescribed more."),
    ("distance_to_clinic", "primary_care_visits", 0.6, "Travel time deters visits."),
    ("copd", "smoking", 0.55, "Patients with COPD may change smoking."),
    ("smoking", "cardiovascular_event", 0.9, "Smoking damages the arteries."),
    ("smoking", "blood_pressure", 0.5, "Nicotine raises blood pressure."),
    ("alcohol_use", "blood_pressure", 0.65, "Heavy drinking raises blood pressure."),
    ("alcohol_use", "depression", 0.5, "Alcohol is a depressant."),
    ("physical_activity", "body_mass_index", 0.7, "Activity burns energy."),
    ("physical_activity", "blood_pressure", 0.6, "Exercise lowers blood pressure."),
    ("diet_quality", "body_mass_index", 0.65, "Diet drives energy intake."),
    ("body_mass_index", "type2_diabetes", 0.9, "Adiposity causes insulin resistance."),
    ("body_mass_index", "blood_pressure", 0.75, "Obesity raises blood pressure."),
    ("chronic_stress", "depression", 0.7, "Stress precipitates depression."),
    ("chronic_stress", "blood_pressure", 0.5, "Stress raises blood pressure."),
    ("chronic_stress", "smoking", 0.45, "Smoking is used to cope with stress."),
    ("blood_pressure", "cardiovascular_event", 0.95, "Hypertension causes strokes."),
    ("blood_pressure", "statin_prescription", 0.6, "Risk scores include blood pressure."),
    ("type2_diabetes", "cardiovascular_event", 0.85, "Diabetes damages vessels."),
    ("type2_diabetes", "primary_care_visits", 0.8, "Diabetes needs regular review."),
    ("type2_diabetes", "total_healthcare_cost", 0.75, "Diabetes care is costly."),
    ("depression", "medication_adherence", 0.6, "Depression lowers adherence."),
    ("depression", "sick_leave_days", 0.6, "Depression is a leading cause of absence."),
    ("depression", "quality_adjusted_life_years", 0.7, "Depression lowers quality of life."),
    ("primary_care_visits", "preventive_screening", 0.65, "Visits lead to screening offers."),
    ("primary_care_visits", "statin_prescription", 0.7, "Prescriptions need a visit."),
    ("primary_care_visits", "total_healthcare_cost", 0.6, "Visits cost money."),
    ("preventive_screening", "cardiovascular_event", 0.45, "Early detection prevents events."),
    ("statin_prescription", "cardiovascular_event", 0.8, "Statins lower LDL and events."),
    ("medication_adherence", "cardiovascular_event", 0.6, "Adherent patients have fewer events."),
    ("cardiovascular_event", "hospital_admissions", 0.95, "Events are admitted."),
    ("cardiovascular_event", "quality_adjusted_life_years", 0.9, "Events reduce QALYs."),
    ("cardiovascular_event", "sick_leave_days", 0.8, "Recovery takes time off work."),
    ("copd", "hospital_admissions", 0.75, "Exacerbations lead to admissions."),
    ("copd", "quality_adjusted_life_years", 0.8, "Breathlessness lowers quality of life."),
    ("hospital_admissions", "total_healthcare_cost", 0.95, "Admissions are the main cost."),
    ("hospital_admissions", "out_of_pocket_costs", 0.6, "Co-payments apply to stays."),
    ("sick_leave_days", "productivity_loss", 0.9, "Absence is lost output."),
]

# The expert's decisions shown in the screenshot: (cause, effect, action, comment).
DECISIONS: list[tuple[str, str, str, str]] = [
    ("age", "employment_status", "accept", ""),
    ("age", "blood_pressure", "accept", "Consistent across cohorts."),
    ("age", "cardiovascular_event", "accept", ""),
    ("smoking", "cardiovascular_event", "accept", "Well established."),
    ("sex", "insurance_coverage", "reject", "No mechanism in this population."),
    ("genetic_risk", "depression", "reject", "Too weak to encode."),
    ("copd", "smoking", "reverse", "Smoking causes COPD, not the other way round."),
    (
        "physical_activity",
        "occupation_physical_demand",
        "reverse",
        "Manual work is itself physical activity.",
    ),
    ("blood_pressure", "cardiovascular_event", "accept", ""),
    ("body_mass_index", "type2_diabetes", "accept", ""),
    ("education_years", "household_income", "accept", ""),
]


def build_graph() -> CausalGraph:
    """Return the invented 37-variable health-economics graph, as a model might propose it."""
    edges = [
        Edge(
            source=source,
            target=target,
            confidence=confidence,
            votes=round(confidence * 5),
            asked=5,
            rationale=rationale,
            provenance=(Provenance(origin="model", model="example-model", strategy="per_node"),),
        )
        for source, target, confidence, rationale in PROPOSED
    ]
    dropped = (
        DroppedEdge(
            edge=Edge(source="depression", target="alcohol_use", confidence=0.4, votes=2, asked=5),
            reason="conflict",
            detail="Both directions were proposed; alcohol_use -> depression had more votes.",
            reversed=True,
        ),
        DroppedEdge(
            edge=Edge(source="productivity_loss", target="household_income", confidence=0.3),
            reason="cycle",
            detail="Would close the cycle household_income -> ... -> productivity_loss.",
        ),
    )
    graph = CausalGraph.from_edges(VARIABLES, edges, latent=["chronic_stress"])
    return graph.model_copy(update={"dropped": dropped})


def main() -> None:
    """Render the page, make the decisions in Chromium and save a screenshot."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description="Write the review page screenshot.")
    parser.add_argument("--output", default="docs/review-screenshot.png")
    arguments = parser.parse_args()
    graph = build_graph()
    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "review.html"
        to_review_html(graph, page_path, title="Cardiovascular costs: proposed graph")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGUMENTS
            )
            page = browser.new_page(viewport={"width": 1440, "height": 2080})
            page.goto(page_path.as_uri())
            page.fill("#reviewer", "Dr. A. Example")
            names = list(graph.names)
            for source, target, action, comment in DECISIONS:
                number = graph.edge_pairs.index((source, target))
                row = page.locator(f'tr[data-edge="{number}"]')
                row.locator(f'button[data-action="{action}"]').click()
                if comment:
                    row.locator("textarea").fill(comment)
            page.select_option("#add-source", str(names.index("housing_quality")))
            page.select_option("#add-target", str(names.index("depression")))
            page.fill("#add-comment", "Cold, damp homes worsen mood.")
            page.click("#add-button")
            page.evaluate("window.scrollTo(0, 0)")
            page.mouse.move(0, 0)  # no hover highlight in the picture
            output = Path(arguments.output)
            output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(output), full_page=False)
            browser.close()
    print(f"wrote {output} ({output.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
