package dev.strata.pipeline.compress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.surgery.LayerSurgery;
import dev.strata.pipeline.surgery.LayerWeights;
import dev.strata.pipeline.train.LanguageModelTuning;
import dev.strata.pipeline.train.LayerDistillation;
import dev.strata.pipeline.train.ReplacementLoss;
import dev.strata.pipeline.train.TrainSettings;
import dev.strata.pipeline.train.TrainingTask;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntToLongFunction;
import java.util.stream.IntStream;

/**
 * LLM-Streamline: the block of N consecutive layers whose input and output hidden states are most alike (the highest
 * block cosine on the calibration text) is removed, and one replacement is trained in its place, fed the teacher's
 * hidden state before the block: a decoder layer initialised from the block's first layer, or a feed-forward network
 * (a decoder layer whose attention weights are zero, so the model still loads as a standard Llama). The untrained
 * prune of every block is a model of its own, the baseline the replacements are measured against.
 */
public final class Streamline implements CompressionMethod {
    public static final Param<List<Replacement>> REPLACEMENT = Param.choices("replacement", Replacement.values(),
            List.of(Replacement.LAYER), "What is trained in the block's place: layer, ffn, or a list of them (none: "
                + "only the untrained prune, which every block has anyway).");
    public static final Param<ReplacementLoss> LOSS = Param.choice("loss", ReplacementLoss.values(),
            ReplacementLoss.MSE, "mse: the hidden state after the block; lm: the next-token loss, only the replacement "
                + "trained.");
    public static final TrainingParams TRAINING = TrainingParams.of("training.", "", 1, 1, 2e-4, 5e-5);
    public static final Param<Integer> TRAIN_BATCH = Param.integer("training.batch", 8, "Windows per optimiser step.")
            .flag("--train-batch").label("B").check(Param.atLeast(1));
    public static final Param<Integer> TRAIN_SAMPLES = Param.integer("training.samples", null,
            "Training windows drawn from the calibration text (default: the calibration windows).")
            .flag("--train-samples").label("K").check(Param.atLeast(1));
    private static final Params PARAMS = SizeTarget.PARAMS.and(REPLACEMENT, LOSS).and(TRAINING.params())
            .and(TRAIN_BATCH, TRAIN_SAMPLES);

    @Override
    public String name() {
        return "streamline";
    }

    @Override
    public String summary() {
        return "LLM-Streamline: remove the most redundant block (block cosine) and train a layer or FFN in its place.";
    }

    @Override
    public Params params() {
        return PARAMS;
    }

    @Override
    public Set<Need> needs(Settings settings) {
        return trained(settings).isEmpty() ? EnumSet.of(Need.WINDOWS, Need.SCORES)
                : EnumSet.of(Need.WINDOWS, Need.SCORES, Need.TRAINING);
    }

    @Override
    public void check(Settings settings, LlamaConfig model) {
        blocks(settings, model);
        TRAINING.read(settings, settings.get(TRAIN_BATCH));
    }

    @Override
    public String describe(Settings s) {
        List<String> kinds = trained(s).stream().map(Replacement::id).toList();
        return "LLM-Streamline: the block of N layers with the highest cosine between its input and output is removed "
                + "(streamline none)" + (kinds.isEmpty() ? "" : " or replaced by a trained " + String.join(" or ", kinds)
                + " (" + s.get(LOSS).id() + " loss)") + ".";
    }

    @Override
    public List<Product> compress(CompressionRun run, Settings s) {
        LlamaConfig config = run.config();
        TrainSettings training = TRAINING.read(s, s.get(TRAIN_BATCH));
        List<Product> out = new ArrayList<>();
        for (Map.Entry<Integer, List<Replacement>> e : blocks(s, config).entrySet()) {
            int length = e.getKey();
            for (Replacement kind : e.getValue()) {
                StoredModel pruned = run.model(kind.id() + "-" + length + (kind.isTrained() ? "-init" : ""),
                        () -> prune(run, s, length, kind));
                JsonNode block = pruned.plan().steps().get(0).parameters();
                String where = "layers " + block.get("start").asInt() + ".." + (block.get("start").asInt() + length - 1)
                        + String.format(" (cosine %.5f)", block.get("cosine").asDouble());
                String label = "streamline " + kind.id() + " " + length + "-block";
                if (!kind.isTrained()) {
                    out.add(Product.of(label, pruned, false, where + " removed", config));
                    continue;
                }
                int start = block.get("start").asInt();
                String task = "train " + kind.id() + " for layers " + start + ".." + (start + length - 1) + " ("
                        + s.get(LOSS).id() + ")";
                TrainingTask t = s.get(LOSS) == ReplacementLoss.MSE
                        ? new LayerDistillation.Task(task, start, kind.trainedPart(), start, start + length, training)
                        : new LanguageModelTuning.Task(task, start, kind.trainedPart(), training);
                StoredModel trained = run.train(kind.id() + "-" + length, pruned, List.of(t), s.get(TRAIN_SAMPLES));
                out.add(Product.of(label, trained, true, where + " replaced by " + kind.id() + ", trained on "
                        + s.get(LOSS).id(), config));
            }
        }
        return out;
    }

    /** The block of {@code length} with the highest cosine, removed, with {@code kind}'s initial weights in its place. */
    private Compressed prune(CompressionRun run, Settings s, int length, Replacement kind) {
        LlamaConfig config = run.config();
        LayerBlock block = LayerBlock.mostAlike(run.originalScores(), config.numLayers(), length,
                s.name(SizeTarget.LAYERS));
        ModelWeights original = run.open(run.original().address());
        LayerWeights initial = kind.isTrained() ? kind.initial(LayerWeights.of(original, block.start())) : null;
        ObjectNode step = JsonNodeFactory.instance.objectNode();
        step.put("start", block.start());
        step.put("length", length);
        step.put("cosine", block.score());
        step.put("replacement", kind.id());
        List<Integer> layers = IntStream.range(block.start(), block.end()).boxed().toList();
        LayerOrigin origin = !kind.isTrained() ? null : LayerOrigin.forBlock(kind.kind(), layers,
                kind == Replacement.FFN ? new int[0] : LayerOrigin.all(config.numKvHeads()),
                LayerOrigin.all(config.intermediateSize()));
        return new Compressed(LayerSurgery.replaceBlock(original, block.start(), length, initial),
                run.original().plan().replace(block.start(), length, origin, name(), step));
    }

    /**
     * Block length -> the models made for it, ascending by length: the untrained prune first, then every trained
     * replacement whose size target gives that length.
     */
    private static Map<Integer, List<Replacement>> blocks(Settings s, LlamaConfig config) {
        Map<Integer, List<Replacement>> out = new TreeMap<>();
        List<Replacement> trained = trained(s);
        for (Replacement kind : trained.isEmpty() ? List.of(Replacement.NONE) : trained) {
            IntToLongFunction after = k -> config.withNumLayers(config.numLayers() - k).parameterCount()
                    + kind.parameters(config);
            for (int length : SizeTarget.removals(s, config, after)) {
                List<Replacement> kinds = out.computeIfAbsent(length, k -> new ArrayList<>(List.of(Replacement.NONE)));
                if (kind.isTrained()) {
                    kinds.add(kind);
                }
            }
        }
        return out;
    }

    private static List<Replacement> trained(Settings s) {
        return s.get(REPLACEMENT).stream().filter(Replacement::isTrained).distinct().toList();
    }
}
