package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Successive halving in Hyperband's brackets ({@link HyperbandSchedule}), SMAC-style: new configurations come from a
 * {@link Sampler} (random, a warm start, a surrogate), and when every configuration of a stage is told, the best 1/eta
 * by {@link Scalarisation} cost move on to the next stage's budget. A round fills its batch from the oldest bracket
 * with work to give (promotions, then unfilled first-stage slots), and opens the next bracket while workers would
 * otherwise idle, so several brackets run at once.
 *
 * <p>Replayable: a bracket's state is rebuilt from the told trials (each proposal says its bracket, stage and
 * configuration); a promotion ranks the stage with the draw key (bracket, stage) against the objectives told up to
 * the stage's last trial, so it ranks the same whenever it is computed. Proposals asked but never told are forgotten
 * by a rerun, and their slots asked again.
 */
public final class Hyperband implements Optimiser {
    private final HyperbandSchedule schedule;
    private final Sampler sampler;
    private final Scalarisation scalarisation;
    private final long seed;
    private final Ledger ledger = new Ledger();
    private final TreeMap<Integer, Bracket> brackets = new TreeMap<>();
    private int nextBracket;

    public Hyperband(HyperbandSchedule schedule, Sampler sampler, Scalarisation scalarisation, long seed) {
        this.schedule = schedule;
        this.sampler = sampler;
        this.scalarisation = scalarisation;
        this.seed = seed;
    }

    /** One bracket's configurations per stage: asked (pending or told) and told. */
    private static final class Bracket {
        final int index;
        final int[] sizes;
        final int[] budgets;
        final List<Map<Integer, Genotype>> asked = new ArrayList<>();
        final List<Map<Integer, double[]>> told = new ArrayList<>();
        /** Per stage, the position in the told order of its latest trial: the end of what its ranking may see. */
        final int[] lastTold;

        Bracket(int index, HyperbandSchedule schedule) {
            this.index = index;
            this.sizes = schedule.sizes(index);
            this.budgets = schedule.budgets(index);
            this.lastTold = new int[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                asked.add(new TreeMap<>());
                told.add(new TreeMap<>());
            }
        }

        boolean complete(int stage) {
            return told.get(stage).size() == sizes[stage];
        }
    }

    @Override
    public List<Proposal> ask(int count) {
        int round = ledger.startRound();
        Random random = Seeds.random(seed, round);
        List<Proposal> out = new ArrayList<>(count);
        while (out.size() < count) {
            for (Bracket b : brackets.values()) {
                if (out.size() < count) {
                    fill(b, count - out.size(), round, random, out);
                }
            }
            if (out.size() < count) {
                bracket(nextBracket);
            }
        }
        return out;
    }

    private Bracket bracket(int index) {
        nextBracket = Math.max(nextBracket, index + 1);
        return brackets.computeIfAbsent(index, i -> new Bracket(i, schedule));
    }

    /** Adds up to {@code room} proposals of bracket {@code b}: the stage whose turn it is. */
    private void fill(Bracket b, int room, int round, Random random, List<Proposal> out) {
        if (b.complete(b.sizes.length - 1)) {
            return;
        }
        List<Integer> configs = new ArrayList<>();
        for (int c = 0; c < b.sizes[0] && configs.size() < room; c++) {
            if (!b.asked.get(0).containsKey(c)) {
                configs.add(c);
            }
        }
        if (!configs.isEmpty()) {
            List<Genotype> genotypes = sampler.sampleExactly(configs.size(), ledger.history(), random);
            for (int k = 0; k < configs.size(); k++) {
                issue(b, 0, configs.get(k), genotypes.get(k), round, out);
            }
            return;
        }
        for (int stage = 1; stage < b.sizes.length; stage++) {
            if (!b.complete(stage - 1)) {
                return;
            }
            for (int c : promoted(b, stage)) {
                if (room > 0 && !b.asked.get(stage).containsKey(c)) {
                    issue(b, stage, c, b.asked.get(stage - 1).get(c), round, out);
                    room--;
                }
            }
        }
    }

    private void issue(Bracket b, int stage, int config, Genotype g, int round, List<Proposal> out) {
        Proposal p = new Proposal(round, b.index, stage, config, b.budgets[stage], g);
        b.asked.get(stage).put(config, g);
        ledger.asked(p);
        out.add(p);
    }

    /** The configurations that go on to {@code stage}: the best {@code sizes[stage]} of the stage before, best first. */
    private List<Integer> promoted(Bracket b, int stage) {
        Map<Integer, double[]> before = b.told.get(stage - 1);
        List<Integer> configs = new ArrayList<>(before.keySet());
        List<double[]> seen = new ArrayList<>();
        for (Trial t : ledger.toldSoFar().subList(0, b.lastTold[stage - 1] + 1)) {
            seen.add(t.result().objectives());
        }
        double[] costs = scalarisation.costs(configs.stream().map(before::get).toList(), seen,
                Seeds.mix(b.index, stage));
        Integer[] order = new Integer[configs.size()];
        Arrays.setAll(order, k -> k);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(k -> costs[k]).thenComparing(configs::get));
        List<Integer> out = new ArrayList<>();
        for (int k = 0; k < b.sizes[stage]; k++) {
            out.add(configs.get(order[k]));
        }
        return out;
    }

    @Override
    public void tell(Proposal p, Result r) {
        Bracket b = bracket(p.bracket());
        if (p.stage() < 0 || p.stage() >= b.sizes.length || p.config() < 0 || p.config() >= b.sizes[0]
                || p.budget() != b.budgets[p.stage()]) {
            throw new StrataException("trial " + p.id() + " at budget " + p.budget() + " does not fit the schedule "
                    + "(bracket " + p.bracket() + " has budgets " + Arrays.toString(b.budgets) + " and sizes "
                    + Arrays.toString(b.sizes) + "): were the budgets or eta changed since it ran?");
        }
        if (p.stage() > 0 && !(b.complete(p.stage() - 1) && promoted(b, p.stage()).contains(p.config()))) {
            throw new StrataException("trial " + p.id() + " was not promoted by this search: was the objective, "
                    + "the scalarisation or the order of the told trials changed since it ran?");
        }
        if (b.told.get(p.stage()).containsKey(p.config())) {
            throw new StrataException("trial " + p.id() + ": its configuration was already told at this stage");
        }
        int position = ledger.told(p, r);
        b.asked.get(p.stage()).put(p.config(), p.genotype());
        b.told.get(p.stage()).put(p.config(), r.objectives());
        b.lastTold[p.stage()] = position;
    }

    @Override
    public History history() {
        return ledger.history();
    }

    public HyperbandSchedule schedule() {
        return schedule;
    }
}
