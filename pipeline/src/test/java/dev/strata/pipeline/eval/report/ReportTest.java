package dev.strata.pipeline.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ReportTest {
    @Test
    void jsonHoldsValuesRetainedAndStability() throws Exception {
        JsonNode json = new ObjectMapper().readTree(ReportText.json(Reports.sample(Map.of())));
        assertEquals("models/original", json.get("original").asText());
        JsonNode original = json.get("models").get(0).get("tasks");
        JsonNode compressed = json.get("models").get(1).get("tasks");
        assertEquals(0.75, original.at("/copa/acc/value").asDouble(), 1e-15);
        assertEquals(Math.sqrt(0.75 * 0.25 / 3), original.at("/copa/acc/stderr").asDouble(), 1e-15);
        assertEquals(0.5, compressed.at("/copa/acc/value").asDouble(), 1e-15);
        assertEquals(100 * 0.5 / 0.75, compressed.at("/copa/acc/retained_percent").asDouble(), 1e-12);
        assertTrue(compressed.at("/copa/stability").asDouble() > 0 && compressed.at("/copa/stability").asDouble() < 1);
        assertTrue(original.at("/copa/stability").isMissingNode(), "the original has no stability");
        assertEquals(Math.exp(2), original.at("/lambada/perplexity/value").asDouble(), 1e-12);
        assertTrue(original.at("/lambada/perplexity/stderr").isNull());
        assertEquals(Math.exp(120.0 / 50), compressed.at("/wikitext/token_perplexity/value").asDouble(), 1e-12);
        assertEquals((0.75 + 0.5) / 2, json.get("models").get(0).get("average_accuracy").asDouble(), 1e-15);
    }

    @Test
    void markdownUsesLmEvalTableLayout() {
        String md = ReportText.markdown(Reports.sample(Map.of()));
        assertTrue(md.contains("|Tasks|Metric| |Value| |Stderr|"), md);
        assertTrue(md.contains(String.format("|copa|acc|↑|0.7500|±|%.4f|", Math.sqrt(0.75 * 0.25 / 3))), md);
        assertTrue(md.contains("|lambada|acc|↑|0.5000|±|0.5000|"), md);
        assertTrue(md.contains("||perplexity|↓|7.3891|±|N/A|"), md);
        assertTrue(md.contains("|copa|acc|0.7500|0.5000|66.7%|"), md);
    }

    @Test
    void htmlIsSelfContainedWithOneBarPerValue() {
        String html = ReportHtml.html(Reports.sample(Map.of("block_influence", List.of(0.3, 0.1, 0.2))));
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(!html.replace("http://www.w3.org/2000/svg", "").contains("http"), "nothing is fetched");
        assertTrue(!html.contains("<script"), "no scripts");
        // accuracy: 2 tasks x 2 models; retained: 2 tasks x 1; perplexity: 2 measures x 2 models; layers: 3
        assertEquals(4 + 2 + 4 + 3, count(html, "<rect class=\"bar\""));
        Matcher retained = Pattern.compile("data-series=\"models/compressed\" data-value=\"([0-9.]+)\"").matcher(html);
        assertTrue(retained.find());
        assertEquals("0.500", retained.group(1), "the compressed model's copa accuracy");
        assertTrue(html.contains("Layer scores") && html.contains("block_influence by layer"));
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
