package dev.strata.pipeline.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.eval.task.Measure;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The report's figures against values worked by hand from {@link Reports}' rows. copa: the original 7 of 8 (0.875,
 * standard error sqrt(0.875 * 0.125 / 7) = 0.125), the compressed 4 of 8 (0.5, sqrt(0.25 / 7) = 0.18898), chance
 * 0.5 (two options); lambada 1 of 2 (0.5, standard error 0.5) and 0 of 2.
 */
class ReportTest {
    private static final double COPA_SE_COMPRESSED = Math.sqrt(0.25 / 7);

    @Test
    void jsonHoldsValuesRetainedStabilityChanceAndSources() throws Exception {
        JsonNode json = new ObjectMapper().readTree(ReportText.json(Reports.sample(Map.of())));
        assertEquals("models/original", json.get("original").asText());
        JsonNode original = json.get("models").get(0).get("tasks");
        JsonNode compressed = json.get("models").get(1).get("tasks");
        assertEquals(0.875, original.at("/copa/acc/value").asDouble(), 1e-15);
        assertEquals(0.125, original.at("/copa/acc/stderr").asDouble(), 1e-15);
        assertEquals(0.5, compressed.at("/copa/acc/value").asDouble(), 1e-15);
        assertEquals(COPA_SE_COMPRESSED, compressed.at("/copa/acc/stderr").asDouble(), 1e-15);
        assertEquals(100 * 0.5 / 0.875, compressed.at("/copa/acc/retained_percent").asDouble(), 1e-12);
        assertTrue(compressed.at("/copa/stability").asDouble() > 0 && compressed.at("/copa/stability").asDouble() < 1);
        assertTrue(original.at("/copa/stability").isMissingNode(), "the original has no stability");
        assertEquals(Math.exp(2), original.at("/lambada/perplexity/value").asDouble(), 1e-12);
        assertTrue(original.at("/lambada/perplexity/stderr").isNull());
        assertEquals(Math.exp(120.0 / 50), compressed.at("/wikitext/token_perplexity/value").asDouble(), 1e-12);
        JsonNode originalModel = json.get("models").get(0);
        JsonNode compressedModel = json.get("models").get(1);
        assertEquals((0.875 + 0.5) / 2, originalModel.get("average_accuracy").asDouble(), 1e-15);
        assertEquals(Math.hypot(0.125, 0.5) / 2, originalModel.get("average_accuracy_stderr").asDouble(), 1e-15);
        assertEquals(COPA_SE_COMPRESSED / 2, compressedModel.get("average_accuracy_stderr").asDouble(), 1e-15);
        // retained: copa 0.5 / 0.875, lambada 0 / 0.5 (no chance level for a greedy continuation)
        assertEquals((100 * 0.5 / 0.875 + 0) / 2, compressedModel.get("retained_percent").asDouble(), 1e-12);
        assertEquals(4, compressedModel.get("layers").asInt());
        assertEquals(100.0 * 210_000 / 260_000, compressedModel.get("size_percent").asDouble(), 1e-12);
        assertEquals(0.5, json.at("/tasks/copa/chance").asDouble(), 1e-15);
        assertTrue(json.at("/tasks/lambada/chance").isNull());
        assertEquals("mc/copa.jsonl, second half (odd-numbered examples)", json.at("/tasks/copa/source").asText());
        assertEquals("wikitext-2/wikitext-2-raw-v1.test.joined.txt, second half",
                json.at("/tasks/wikitext/source").asText());
    }

    @Test
    void retainedIsLeftOutWhereTheOriginalIsWithinAStandardErrorOfChance() {
        // the original 5 of 8 on copa: 0.625 - 0.5 is within its standard error, 0.183; the compressed 6 of 8
        EvalReport report = Reports.copaModels(5, new int[] {4, 6});
        EvalReport.ModelResult compressed = report.models().get(1);
        assertTrue(!report.originalAboveChance(report.tasks().get(0)));
        assertNull(report.retained(compressed, "copa", Measure.ACC), "not 120% of a guess");
        assertTrue(Double.isNaN(report.averageRetained(compressed)));
        assertTrue(Overview.legend(report).contains("within a standard error of chance: copa"));
        assertTrue(ReportHtml.retained(report).html().contains("— (original at chance)"));
        // 7 of 8 is above chance by more than its error, 0.125
        assertEquals(100 * 6 / 7.0, Reports.copaModels(7, new int[] {4, 6}).averageRetained(
                Reports.copaModels(7, new int[] {4, 6}).models().get(1)), 1e-12);
    }

    /**
     * 4 layers: the first 7 of 8 right, the last 6, the first 2; 3 layers: one model. Paired with the first, the
     * second's per-example differences are [1,1,0,0,0,0,0,-1]: mean 0.125, sample variance 2.875/7, standard error
     * sqrt(2.875/7/8) = 0.2266, so 0.875 - 0.75 is a tie; the third's [0,0,1,1,1,1,1,0]: mean 0.625, variance
     * 1.875/7, standard error 0.1830, so 0.875 - 0.25 is not.
     */
    @Test
    void theBestOfEachSizeIsMarkedAndTiesWithinTheStandardErrorOfThePairedDifference() {
        EvalReport report = Reports.copaModels(8, new int[] {4, 7}, new int[] {4, -6}, new int[] {4, 2},
                new int[] {3, 5});
        List<EvalReport.ModelResult> m = report.models();
        assertEquals(Math.sqrt(2.875 / 7 / 8), report.differenceStderr(m.get(1), m.get(2)), 1e-15);
        assertEquals(Math.sqrt(1.875 / 7 / 8), report.differenceStderr(m.get(1), m.get(3)), 1e-15);
        assertEquals(0, report.differenceStderr(m.get(1), m.get(1)), 0, "a model against itself");
        Map<String, String> verdicts = Overview.verdicts(report);
        assertEquals(Map.of("model a with a long label 4L", Overview.BEST,
                "model b with a long label 4L", Overview.TIE), verdicts, "no verdict for a size of one model");
        String md = Overview.table(report).markdown();
        assertTrue(md.startsWith("|Model|Verdict|Method|Layers|Parameters (size)|Avg accuracy|Retained|Stability|"), md);
        assertTrue(md.matches("(?s).*\\|model a with a long label 4L\\|★ best 4L\\|method-0\\|4\\|260,000 \\(100\\.0%\\)\\|"
                + "0\\.8750 ± 0\\.1250\\|87\\.5%\\|0\\.[0-9]{3}\\|.*"), md);
        assertTrue(md.contains("|≈ tie|method-1|"), md);
        List<String> order = Overview.bySize(report).stream().map(EvalReport.ModelResult::model).toList();
        assertEquals("original 5L", order.get(0), "the original first among equal sizes");
        assertEquals("model d with a long label 3L", order.get(order.size() - 1), "the smallest last");
    }

    /** One example per task: no standard error to weigh a difference by, so only equal accuracies tie. */
    @Test
    void aTaskOfOneExampleGivesAVerdictWithoutStandardErrors() {
        EvalReport report = Reports.copaModels(1, new int[] {4, 1}, new int[] {4, 0}, new int[] {4, 1});
        EvalReport one = new EvalReport(report.tasks(), report.models().stream().map(r -> new EvalReport.ModelResult(
                r.model(), r.profile(), r.values(), r.stability(), Map.of("copa", new double[] {
                    r.outcomes().get("copa")[0]}))).toList(), report.chance(), report.sources(), Map.of());
        assertTrue(Double.isNaN(one.differenceStderr(one.models().get(1), one.models().get(2))));
        assertEquals(Map.of("model a with a long label 4L", Overview.BEST, "model c with a long label 4L", Overview.TIE),
                Overview.verdicts(one));
    }

    @Test
    void amongModelsTiedOnAccuracyTheLowerPerplexityIsBest() {
        // 4 layers: the first 7 and the last 6 of 8 tie on accuracy (as above), the second with the lower perplexity
        // (loglik -110 vs -150 over 50 tokens); the first 2 is worse on accuracy, whatever its perplexity (the lowest)
        EvalReport report = Reports.copaModels(8, -90, new int[] {4, 7, 150}, new int[] {4, -6, 110},
                new int[] {4, 2, 100});
        assertEquals(Map.of("model a with a long label 4L", Overview.TIE,
                "model b with a long label 4L", Overview.BEST), Overview.verdicts(report));
        assertTrue(Overview.legend(report).contains("★ the best of those, by perplexity on wikitext."),
                Overview.legend(report));
    }

    @Test
    void markdownStartsWithTheOverviewThenLmEvalTables() {
        String md = ReportText.markdown(Reports.sample(Map.of()));
        assertTrue(md.indexOf("## Which model to ship") < md.indexOf("|Tasks|Metric| |Value| |Stderr|"), md);
        assertTrue(md.contains(String.format("|models/compressed||4|210,000 (80.8%%)|%.3f|0.2500 ± %.4f|28.6%%|",
                Math.exp(2.4), COPA_SE_COMPRESSED / 2)), md);
        assertTrue(md.contains("|copa|acc|↑|0.8750|±|0.1250|"), md);
        assertTrue(md.contains("|lambada|acc|↑|0.5000|±|0.5000|"), md);
        assertTrue(md.contains("||perplexity|↓|7.3891|±|N/A|"), md);
        assertTrue(md.contains("|copa|acc|0.8750|0.5000|57.1%|"), md);
    }

    @Test
    void lmEvalResultsUseTheHarnessKeys() throws Exception {
        EvalReport report = Reports.sample(Map.of());
        JsonNode json = new ObjectMapper().readTree(LmEvalResults.json(report, report.models().get(0), "/m/original"));
        assertEquals(0.875, json.at("/results/copa/acc,none").asDouble(), 1e-15);
        assertEquals(0.125, json.at("/results/copa/acc_stderr,none").asDouble(), 1e-15);
        assertEquals("copa", json.at("/results/copa/alias").asText());
        assertEquals(Math.exp(2), json.at("/results/wikitext/token_perplexity,none").asDouble(), 1e-12);
        assertEquals("N/A", json.at("/results/wikitext/token_perplexity_stderr,none").asText());
        assertEquals(8, json.at("/n-samples/copa/effective").asInt());
        assertTrue(json.at("/higher_is_better/copa/acc").asBoolean());
        assertTrue(json.at("/higher_is_better/lambada/perplexity").isBoolean()
                && !json.at("/higher_is_better/lambada/perplexity").booleanValue());
        assertEquals(1.0, json.at("/versions/copa").asDouble());
        assertEquals(0, json.at("/configs/copa/num_fewshot").asInt());
        assertEquals("mc/copa.jsonl, second half (odd-numbered examples)", json.at("/configs/copa/dataset_path").asText());
        assertEquals("pretrained=/m/original", json.at("/config/model_args").asText());
        assertEquals("models__original", json.get("model_name_sanitized").asText());
        assertEquals("come merge+distill 3L", LmEvalResults.sanitized("come merge+distill 3L"), "as lm-eval leaves it");
        assertEquals("hf__org__m__", LmEvalResults.sanitized("hf:/org/m?"), "runs of \"<>:/\\|?*[] become __");
    }

    @Test
    void htmlIsSelfContainedWithChanceMarksAndQualityVersusSize() {
        String html = ReportHtml.html(Reports.sample(Map.of("block_influence", List.of(0.3, 0.1, 0.2))));
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(!html.replace("http://www.w3.org/2000/svg", "").contains("http"), "nothing is fetched");
        assertTrue(!html.contains("<script"), "no scripts");
        assertTrue(html.indexOf("Which model to ship") < html.indexOf("Accuracy per task"), "the overview first");
        // accuracy: 2 tasks x 2 models; layer scores: 3
        assertEquals(4 + 3, count(html, "<rect class=\"bar\""));
        assertEquals(1, count(html, "<line class=\"mark\""), "copa's chance level; none for lambada");
        assertTrue(html.contains("<title>chance, copa: 0.500</title>"), html);
        // perplexity vs size and retained vs size: a dot per model each
        assertEquals(4, count(html, "<circle class=\"dot\""));
        Matcher bar = Pattern.compile("data-series=\"models/compressed\" data-value=\"([0-9.]+)\"").matcher(html);
        assertTrue(bar.find());
        assertEquals("0.500", bar.group(1), "the compressed model's copa accuracy");
        assertTrue(html.contains("Layer scores") && html.contains("block_influence by layer"));
    }

    @Test
    void aSeriesIsAMethodsKindOfModelWithoutItsSize() {
        assertEquals("come merge+distill", series("come merge+distill 3L", "come"));
        assertEquals("streamline ffn", series("streamline ffn 2-block", "streamline"));
        assertEquals("tailor", series("3L", "tailor"), "a name of sizes only: the method");
        assertEquals("models/m2", series("models/m2", ""), "no method: the model itself");
        assertEquals("llama2 prune", series("llama2 prune 4L", "bi"), "only the last word, the size, goes");
    }

    private static String series(String model, String method) {
        return Overview.seriesName(new EvalReport.ModelResult(model, new EvalReport.Profile(method, 3, 1), Map.of(),
                Map.of(), Map.of()));
    }

    @Test
    void paletteColoursAreDistinctForManySeries() {
        Set<String> colours = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            assertTrue(Palette.color(i).matches("#[0-9a-f]{6}"), Palette.color(i));
            colours.add(Palette.color(i));
        }
        assertEquals(60, colours.size());
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
