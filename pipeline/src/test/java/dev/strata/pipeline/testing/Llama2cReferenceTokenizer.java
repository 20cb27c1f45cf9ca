package dev.strata.pipeline.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Test oracle: llama2.c's encoder (run.c) on its tokenizer.bin: a dummy-prefix space, one symbol per UTF-8
 * code point (bytes + 3 for code points outside the vocabulary), then repeatedly merge the adjacent pair whose
 * concatenation has the highest score, leftmost first. A priority queue gives the same merge order as run.c's
 * repeated scans, in n log n instead of n^2, so a whole file can be encoded as one text.
 */
public final class Llama2cReferenceTokenizer {
    private final Map<String, Integer> ids = new HashMap<>();
    private final float[] scores;

    public Llama2cReferenceTokenizer(Path tokenizerBin, int vocabSize) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(tokenizerBin)).order(ByteOrder.LITTLE_ENDIAN);
        b.getInt(); // max token length
        scores = new float[vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            scores[i] = b.getFloat();
            byte[] piece = new byte[b.getInt()];
            b.get(piece);
            ids.putIfAbsent(new String(piece, StandardCharsets.UTF_8), i);
        }
    }

    private static final class Symbol {
        String text;
        int id;
        final int position;
        Symbol prev;
        Symbol next;
        boolean alive = true;

        Symbol(String text, int id, int position) {
            this.text = text;
            this.id = id;
            this.position = position;
        }
    }

    private record Candidate(float score, int position, Symbol left, Symbol right, String leftText, String rightText) {
    }

    /** Ids of {@code text} without BOS. */
    public int[] encode(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        Symbol head = null;
        Symbol tail = null;
        int position = 0;
        for (String unit : units(" " + text)) {
            Integer id = ids.get(unit);
            if (id != null) {
                Symbol s = new Symbol(unit, id, position++);
                if (tail == null) {
                    head = s;
                } else {
                    tail.next = s;
                    s.prev = tail;
                }
                tail = s;
            } else {
                for (byte raw : unit.getBytes(StandardCharsets.UTF_8)) {
                    Symbol s = new Symbol(null, (raw & 0xff) + 3, position++);
                    if (tail == null) {
                        head = s;
                    } else {
                        tail.next = s;
                        s.prev = tail;
                    }
                    tail = s;
                }
            }
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> a.score != b.score
                ? Float.compare(b.score, a.score) : Integer.compare(a.position, b.position));
        for (Symbol s = head; s != null && s.next != null; s = s.next) {
            offer(queue, s, s.next);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            Symbol a = c.left;
            Symbol b = c.right;
            if (!a.alive || !b.alive || a.next != b || !c.leftText.equals(a.text) || !c.rightText.equals(b.text)) {
                continue;
            }
            a.text = a.text + b.text;
            a.id = ids.get(a.text);
            b.alive = false;
            a.next = b.next;
            if (b.next != null) {
                b.next.prev = a;
            }
            if (a.prev != null) {
                offer(queue, a.prev, a);
            }
            if (a.next != null) {
                offer(queue, a, a.next);
            }
        }
        int count = 0;
        for (Symbol s = head; s != null; s = s.next) {
            count++;
        }
        int[] out = new int[count];
        int i = 0;
        for (Symbol s = head; s != null; s = s.next) {
            out[i++] = s.id;
        }
        return out;
    }

    private void offer(PriorityQueue<Candidate> queue, Symbol a, Symbol b) {
        if (a.text == null || b.text == null) {
            return; // raw byte symbols never merge (their pieces are "<0x..>")
        }
        Integer id = ids.get(a.text + b.text);
        if (id != null) {
            queue.add(new Candidate(scores[id], a.position, a, b, a.text, b.text));
        }
    }

    /** The text split into code points, as strings. */
    private static String[] units(String text) {
        return text.codePoints().mapToObj(Character::toString).toArray(String[]::new);
    }
}
