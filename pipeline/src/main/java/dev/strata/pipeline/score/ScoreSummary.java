package dev.strata.pipeline.score;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.score.LayerScores.BlockScore;
import dev.strata.pipeline.score.LayerScores.LayerScore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layer and block scores as one JSON document (summary.json), for people, notebooks and later stages:
 * {@code layer_scores} maps each metric to its values by layer (null where a layer has none), {@code block_scores}
 * lists each block (start, length) with its metrics.
 */
public final class ScoreSummary {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScoreSummary() {
    }

    /** @param header fields put first (run, model, data, ...) */
    public static ObjectNode toJson(LayerScores scores, int layers, Map<String, Object> header) {
        ObjectNode root = JSON.createObjectNode();
        header.forEach((k, v) -> root.set(k, JSON.valueToTree(v)));
        root.put("layers", layers);
        root.put("tokens", scores.tokens());
        root.put("windows", scores.sequences());
        ObjectNode byMetric = root.putObject("layer_scores");
        for (Metric metric : Metric.values()) {
            List<LayerScore> rows = scores.layers().stream().filter(s -> s.metric() == metric).toList();
            if (rows.isEmpty()) {
                continue;
            }
            int size = rows.stream().mapToInt(LayerScore::layer).max().orElseThrow() + 1;
            ArrayNode values = byMetric.putArray(metric.id());
            for (int l = 0; l < size; l++) {
                values.addNull();
            }
            rows.forEach(s -> values.set(s.layer(), JSON.getNodeFactory().numberNode(s.value())));
        }
        Map<String, ObjectNode> blocks = new LinkedHashMap<>();
        for (BlockScore b : scores.blocks()) {
            ObjectNode block = blocks.computeIfAbsent(b.start() + "+" + b.length(), k -> {
                ObjectNode n = JSON.createObjectNode();
                n.put("start", b.start());
                n.put("length", b.length());
                return n;
            });
            block.put(b.metric().id(), b.value());
        }
        root.putArray("block_scores").addAll(blocks.values());
        return root;
    }
}
