package dev.strata.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Prints a run's summary.json: as aligned tables for people (one row per layer, one per block), as CSV in long
 * form (table, layer, start, length, metric, value) or as the JSON itself.
 */
final class ScoresView {
    enum Format { TABLE, CSV, JSON }

    private static final Logger OUT = LogManager.getLogger("strata.out");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ScoresView() {
    }

    static void print(JsonNode summary, Format format) {
        switch (format) {
            case JSON -> OUT.info(json(summary));
            case CSV -> csv(summary).forEach(OUT::info);
            case TABLE -> table(summary).forEach(OUT::info);
        }
    }

    private static String json(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static List<String> csv(JsonNode summary) {
        List<String> lines = new ArrayList<>();
        lines.add("table,layer,start,length,metric,value");
        for (Iterator<String> it = summary.path("layer_scores").fieldNames(); it.hasNext(); ) {
            String metric = it.next();
            JsonNode values = summary.path("layer_scores").path(metric);
            for (int l = 0; l < values.size(); l++) {
                if (!values.get(l).isNull()) {
                    lines.add("layer," + l + ",,," + metric + "," + values.get(l).asDouble());
                }
            }
        }
        for (JsonNode block : summary.path("block_scores")) {
            for (Iterator<String> it = block.fieldNames(); it.hasNext(); ) {
                String metric = it.next();
                if (!metric.equals("start") && !metric.equals("length")) {
                    lines.add("block,," + block.get("start").asInt() + "," + block.get("length").asInt() + "," + metric
                            + "," + block.get(metric).asDouble());
                }
            }
        }
        return lines;
    }

    static List<String> table(JsonNode summary) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "run %s: %s on %s, %d windows of %d tokens (%,d tokens)%s",
                summary.path("run_id").asText(), summary.path("model").asText(), summary.path("data").asText(),
                summary.path("windows").asLong(), summary.path("seq_len").asInt(), summary.path("tokens").asLong(),
                summary.has("ppl") ? String.format(Locale.ROOT, ", PPL %.4f", summary.get("ppl").asDouble()) : ""));
        JsonNode layerScores = summary.path("layer_scores");
        List<String> metrics = new ArrayList<>();
        layerScores.fieldNames().forEachRemaining(metrics::add);
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("layer"));
        header.addAll(metrics);
        rows.add(header);
        int boundaries = summary.path("layers").asInt() + 1;
        for (int l = 0; l < boundaries; l++) {
            List<String> row = new ArrayList<>(List.of(Integer.toString(l)));
            for (String m : metrics) {
                JsonNode v = layerScores.path(m).path(l);
                row.add(v.isNumber() ? String.format(Locale.ROOT, "%.6f", v.asDouble()) : "");
            }
            rows.add(row);
        }
        lines.add("");
        lines.addAll(align(rows));
        List<List<String>> blocks = new ArrayList<>();
        blocks.add(List.of("start", "length", "cosine", "angular_last", "angular_all"));
        for (JsonNode b : summary.path("block_scores")) {
            blocks.add(List.of(b.path("start").asText(), b.path("length").asText(),
                    String.format(Locale.ROOT, "%.6f", b.path("cosine").asDouble()),
                    String.format(Locale.ROOT, "%.6f", b.path("angular_last").asDouble()),
                    String.format(Locale.ROOT, "%.6f", b.path("angular_all").asDouble())));
        }
        lines.add("");
        lines.addAll(align(blocks));
        return lines;
    }

    private static List<String> align(List<List<String>> rows) {
        int columns = rows.get(0).size();
        int[] width = new int[columns];
        rows.forEach(r -> {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], r.get(c).length());
            }
        });
        List<String> out = new ArrayList<>();
        for (List<String> r : rows) {
            StringBuilder s = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                s.append(c == 0 ? "" : "  ").append(String.format("%" + width[c] + "s", r.get(c)));
            }
            out.add(s.toString());
        }
        return out;
    }
}
