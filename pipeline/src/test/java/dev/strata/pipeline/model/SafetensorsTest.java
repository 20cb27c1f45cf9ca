package dev.strata.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.testing.SafetensorsBytes;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    /** Every 16-bit pattern of F16 and BF16 (NaNs, infinities, subnormals, -0 included) and random F32 bits. */
    @Test
    void readWriteReadIsBitIdenticalForEveryStorageType() throws Exception {
        byte[] all16 = new byte[65536 * 2];
        ByteBuffer b = ByteBuffer.wrap(all16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 65536; i++) {
            b.putShort((short) i);
        }
        byte[] f32 = new byte[1000 * 4];
        new Random(1).nextBytes(f32);
        byte[] data = new byte[all16.length * 2 + f32.length];
        System.arraycopy(all16, 0, data, 0, all16.length);
        System.arraycopy(all16, 0, data, all16.length, all16.length);
        System.arraycopy(f32, 0, data, all16.length * 2, f32.length);
        int a = all16.length;
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"half\":{\"dtype\":\"F16\",\"shape\":[256,256],\"data_offsets\":[0," + a + "]},"
                + "\"brain\":{\"dtype\":\"BF16\",\"shape\":[65536],\"data_offsets\":[" + a + "," + 2 * a + "]},"
                + "\"single\":{\"dtype\":\"F32\",\"shape\":[10,100],\"data_offsets\":[" + 2 * a + "," + (2 * a + f32.length) + "]}}";
        Path original = SafetensorsBytes.write(dir.resolve("a.safetensors"), header, data);

        Map<String, Tensor> first = Safetensors.read(original);
        assertEquals(Map.of("format", "pt"), Safetensors.readHeader(original).metadata());
        Path copy = dir.resolve("b.safetensors");
        Safetensors.write(copy, first.values(), Map.of("format", "pt"));
        Map<String, Tensor> second = Safetensors.read(copy);
        for (String name : first.keySet()) {
            assertTrue(first.get(name).bitEquals(second.get(name)), name);
        }
        byte[] written = Files.readAllBytes(copy);
        long headerLength = ByteBuffer.wrap(written).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "header padded to 8 bytes");
        assertArrayEquals(data, Arrays.copyOfRange(written, (int) (8 + headerLength), written.length),
                "tensor bytes identical to the original file's");
    }

    @Test
    void halfAndBfloatWidenExactly() {
        assertEquals(1.0f, DType.halfToFloat((short) 0x3c00));
        assertEquals(65504f, DType.halfToFloat((short) 0x7bff));
        assertEquals((float) Math.pow(2, -24), DType.halfToFloat((short) 0x0001));
        assertEquals(-2.0f, DType.halfToFloat((short) 0xc000));
        assertEquals((short) 0x3c00, DType.floatToHalf(1.0f));
        assertEquals((short) 0x3c00, DType.floatToHalf(1.0f + 0x1p-11f), "ties round to even");
        assertEquals((short) 0x3c01, DType.floatToHalf(1.0f + 0x1.8p-11f));
        assertEquals((short) 0x7c00, DType.floatToHalf(70000f), "overflow to infinity");
        assertEquals((short) 0x3f80, DType.floatToBfloat16(1.0f));
        assertEquals((short) 0x3f80, DType.floatToBfloat16(Float.intBitsToFloat(0x3f808000)), "ties round to even");
        assertEquals((short) 0x3f82, DType.floatToBfloat16(Float.intBitsToFloat(0x3f818000)));
    }

    private StrataException readError(String header, byte[] data) throws Exception {
        Path file = SafetensorsBytes.write(dir.resolve("bad.safetensors"), header, data);
        return assertThrows(StrataException.class, () -> Safetensors.readHeader(file));
    }

    private String file() {
        return dir.resolve("bad.safetensors").toString();
    }

    @Test
    void fileShorterThanLengthField() throws Exception {
        Path file = Files.write(dir.resolve("bad.safetensors"), new byte[5]);
        StrataException e = assertThrows(StrataException.class, () -> Safetensors.readHeader(file));
        assertEquals(file + ": file is 5 bytes, too short for a safetensors header", e.getMessage());
    }

    @Test
    void headerLengthBeyondFile() throws Exception {
        Path file = SafetensorsBytes.write(dir.resolve("bad.safetensors"), 1_000_000, "{}", new byte[0]);
        StrataException e = assertThrows(StrataException.class, () -> Safetensors.readHeader(file));
        assertEquals(file + ": header length 1000000 is out of bounds: the file has 2 bytes after the length field",
                e.getMessage());
    }

    @Test
    void headerLengthAboveFormatLimitIsRefusedBeforeAllocating() throws Exception {
        Path file = SafetensorsBytes.write(dir.resolve("bad.safetensors"), 150L << 20, "{}", new byte[0]);
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(200L << 20);
        }
        StrataException e = assertThrows(StrataException.class, () -> Safetensors.readHeader(file));
        assertEquals(file + ": header length 157286400 is above the 104857600-byte limit of the format", e.getMessage());
    }

    /**
     * Llama-3-70B's embedding (128256 x 8192 bf16, 2.1 GB, more elements than one loaded tensor holds) in a sparse
     * file: its header reads, so a model folder can be checked and planned; loading it whole is refused naming it.
     */
    @Test
    void aTensorLargerThanOneBufferReadsItsHeaderButNotWhole() throws Exception {
        long bytes = 128256L * 8192 * 2;
        Path file = SafetensorsBytes.write(dir.resolve("embed.safetensors"),
                "{\"model.embed_tokens.weight\":{\"dtype\":\"BF16\",\"shape\":[128256,8192],\"data_offsets\":[0,"
                        + bytes + "]}}", new byte[0]);
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(sparse.length() + bytes);
        }
        Safetensors.Header header = Safetensors.readHeader(file);
        assertEquals(128256L * 8192, header.entry("model.embed_tokens.weight").elementCount());
        StrataException e = assertThrows(StrataException.class, () -> Safetensors.read(file));
        assertEquals("model.embed_tokens.weight: shape [128256, 8192] has more than the 536870911 elements one loaded "
                + "tensor may hold", e.getMessage());
    }

    /** The last rows of a 2.1 GB bf16 tensor (sparse but for them) read back as written, past the 2 GiB mark. */
    @Test
    void rowsOfATensorLargerThanOneBufferReadFromTheirOffset() throws Exception {
        long rows = 128256;
        int cols = 8192;
        long bytes = rows * cols * 2;
        String json = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[" + rows + "," + cols + "],\"data_offsets\":[0," + bytes
                + "]}}";
        Path file = SafetensorsBytes.write(dir.resolve("big.safetensors"), json, new byte[0]);
        long dataStart = 8 + json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        float[] expected = new float[2 * cols];
        ByteBuffer last = ByteBuffer.allocate(2 * cols * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (i % 97) - 48; // small integers: exact in bf16
            last.putShort((short) (Float.floatToRawIntBits(expected[i]) >>> 16));
        }
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(dataStart + bytes);
            sparse.seek(dataStart + (rows - 2) * cols * 2);
            sparse.write(last.array());
        }
        Safetensors.Header header = Safetensors.readHeader(file);
        Tensor block = Safetensors.readRows(header, header.entry("w"), rows - 2, 2);
        assertArrayEquals(new long[] {2, cols}, block.shape());
        assertArrayEquals(expected, block.toFloatArray());
        assertArrayEquals(new float[cols], Safetensors.readRows(header, header.entry("w"), 0, 1).toFloatArray());
        StrataException e = assertThrows(StrataException.class,
                () -> Safetensors.readRows(header, header.entry("w"), rows - 1, 2));
        assertEquals(file + ": tensor 'w' of shape [128256, 8192] has no rows 128255..128256", e.getMessage());
    }

    /** Every tensor of the shared model, streamed chunk by chunk, equals the tensor read whole. */
    @Test
    void aStreamedTensorEqualsTheTensorReadWhole() {
        Path file = dev.strata.pipeline.testing.TinyModels.STORIES.resolve("model.safetensors");
        Safetensors.Header header = Safetensors.readHeader(file);
        Map<String, Tensor> whole = Safetensors.read(file);
        for (Safetensors.Entry e : header.entries()) {
            TensorStream stream = Safetensors.stream(header, e);
            java.nio.FloatBuffer values = java.nio.FloatBuffer.allocate((int) e.elementCount());
            while (values.hasRemaining()) {
                java.nio.FloatBuffer piece = values.slice().limit(Math.min(values.remaining(), 1000));
                stream.next(piece);
                values.position(values.position() + piece.position());
            }
            assertArrayEquals(whole.get(e.name()).toFloatArray(), values.array(), e.name());
        }
    }

    @Test
    void headerNotJson() throws Exception {
        StrataException e = readError("{\"a\": [1, 2", new byte[0]);
        assertTrue(e.getMessage().startsWith(file() + ": header is not valid JSON: "), e.getMessage());
    }

    @Test
    void unsupportedAndUnknownDtypes() throws Exception {
        StrataException e = readError("{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        assertEquals(file() + ": tensor 'w': dtype I64 is not supported (expected F32, F16 or BF16)", e.getMessage());
        e = readError("{\"w\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        assertEquals(file() + ": tensor 'w': unknown dtype 'Q4' (expected F32, F16 or BF16)", e.getMessage());
    }

    @Test
    void byteRangeContradictsShape() throws Exception {
        StrataException e = readError("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", new byte[20]);
        assertEquals(file() + ": tensor 'w' has data_offsets [0, 20] spanning 20 bytes, but shape [2, 3] of F32 needs 24",
                e.getMessage());
    }

    @Test
    void offsetsEndingBeforeTheyBegin() throws Exception {
        StrataException e = readError("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", new byte[8]);
        assertEquals(file() + ": tensor 'w' has data_offsets [8, 4] that end before they begin", e.getMessage());
    }

    @Test
    void overlappingTensors() throws Exception {
        StrataException e = readError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        assertEquals(file() + ": tensor 'b' bytes [4, 12) overlap tensor 'a' bytes [0, 8)", e.getMessage());
    }

    @Test
    void holeBetweenTensors() throws Exception {
        StrataException e = readError("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12]);
        assertEquals(file() + ": 4 bytes before tensor 'b' belong to no tensor (data_offsets must tile the data section)",
                e.getMessage());
    }

    @Test
    void truncatedFile() throws Exception {
        StrataException e = readError("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[10]);
        assertEquals(file() + ": file is truncated: tensor 'a' ends at byte 16 of the data section, but only 10 bytes "
                + "follow the header", e.getMessage());
    }

    @Test
    void trailingBytes() throws Exception {
        StrataException e = readError("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[9]);
        assertEquals(file() + ": 5 bytes after the last tensor belong to no tensor", e.getMessage());
    }

    @Test
    void malformedEntries() throws Exception {
        StrataException e = readError("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]);
        assertEquals(file() + ": tensor 'a' has a bad 'shape' value -1 (expected a non-negative integer)", e.getMessage());
        e = readError("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]);
        assertEquals(file() + ": tensor 'a' has no valid 'data_offsets' (expected an array of 2 non-negative integers)",
                e.getMessage());
        e = readError("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{}}", new byte[4]);
        assertTrue(e.getMessage().startsWith(file() + ": header is not valid JSON: Duplicate field 'a'"), e.getMessage());
    }

    @Test
    void missingFile() {
        StrataException e = assertThrows(StrataException.class, () -> Safetensors.readHeader(dir.resolve("none")));
        assertEquals(dir.resolve("none") + ": file does not exist", e.getMessage());
    }
}
