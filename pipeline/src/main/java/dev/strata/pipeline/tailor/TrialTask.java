package dev.strata.pipeline.tailor;

import dev.strata.pipeline.compress.ModelTask;
import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.task.Task;
import dev.strata.pipeline.eval.task.Tasks;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.merge.MergeOperators;
import dev.strata.pipeline.tokenize.Tokenizer;
import dev.strata.pipeline.util.HostName;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One shard of a trial of the search, run where the models are: the candidate is assembled from the base and the
 * variants (the executor's loaded copies, layers taken unchanged not copied) and scored on shard {@code shard} of
 * {@code shards} equal parts of the first {@code budget} examples of each task's half ({@link Outcome#of} adds the
 * shards up). Each JVM keeps one evaluator per base and data (the tasks' examples, tokens and the base's rows
 * are computed once).
 */
public record TrialTask(String base, List<String> variants, String merge, Genotype genotype, int budget,
        List<String> tasks, String dataDir, DataHalf half, int batchTokens, int shard, int shards)
        implements ModelTask<TrialTask.Outcome> {
    private static final Map<String, CandidateEvaluator> EVALUATORS = new ConcurrentHashMap<>();

    /**
     * What a trial (or a shard of one) measured: each task's figures, and where and how long.
     *
     * @param assemblySeconds seconds spent assembling the candidate, summed over shards
     * @param evaluationSeconds seconds spent scoring it, summed over shards
     * @param executor the hosts that ran it, comma-separated
     */
    public record Outcome(List<TaskFigures> figures, double assemblySeconds, double evaluationSeconds,
            String executor) implements java.io.Serializable {

        /** The outcome of a whole trial from its shards' (figures added task by task, seconds summed). */
        public static Outcome of(List<Outcome> shards) {
            List<TaskFigures> figures = new java.util.ArrayList<>(shards.get(0).figures());
            for (Outcome o : shards.subList(1, shards.size())) {
                for (int t = 0; t < figures.size(); t++) {
                    figures.set(t, figures.get(t).plus(o.figures().get(t)));
                }
            }
            return new Outcome(figures, shards.stream().mapToDouble(Outcome::assemblySeconds).sum(),
                    shards.stream().mapToDouble(Outcome::evaluationSeconds).sum(),
                    String.join(",", shards.stream().map(Outcome::executor).distinct().toList()));
        }

        /** The objectives to minimise, one per task. */
        public double[] objectives(ChoiceObjective objective) {
            return figures.stream().mapToDouble(f -> f.objective(objective)).toArray();
        }
    }

    public TrialTask {
        variants = List.copyOf(variants);
        tasks = List.copyOf(tasks);
    }

    @Override
    public List<String> models() {
        List<String> all = new java.util.ArrayList<>(List.of(base));
        all.addAll(variants);
        return all;
    }

    @Override
    public Outcome run(List<LlamaModel> models, List<Path> folders) {
        long start = System.nanoTime();
        LlamaModel baseModel = models.get(0);
        CandidateAssembler assembler = new CandidateAssembler(baseModel, models.subList(1, models.size()),
                LayerMerge.defaults(MergeOperators.get(merge, "merge"), variants.size()));
        try (Candidate candidate = assembler.assemble(genotype)) {
            double assembled = (System.nanoTime() - start) / 1e9;
            CandidateEvaluator evaluator = evaluator(baseModel, folders.get(0));
            List<Task> scored = Tasks.parse(String.join(",", tasks));
            List<TaskFigures> figures = new java.util.ArrayList<>();
            for (Task task : scored) {
                figures.add(evaluator.figures(candidate.model(), task, budget, shard, shards));
            }
            return new Outcome(figures, assembled, (System.nanoTime() - start) / 1e9 - assembled, HostName.get());
        }
    }

    private CandidateEvaluator evaluator(LlamaModel baseModel, Path baseFolder) {
        String key = base + "@" + System.identityHashCode(baseModel) + "|" + dataDir + "|" + half + "|" + batchTokens;
        return EVALUATORS.computeIfAbsent(key, k -> new CandidateEvaluator(baseModel,
                Tokenizer.load(baseFolder, baseModel.config()), Path.of(dataDir), batchTokens, half));
    }
}
