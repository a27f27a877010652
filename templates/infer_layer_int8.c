
/* ---- {{BANNER}}
 * Z{{L}} = W{{L}}.A{{P}} + b{{L}}, A{{L}} = {{ACT}}(Z{{L}})      W{{L}} ({{OUT}}, {{IN}}), b{{L}} ({{OUT}})
 * from layers.{{P}}.weight and layers.{{P}}.bias. Row j of W{{L}} is s{{L}}[j] * q{{L}}[j] (symmetric,
 * s = max|W[j]| / 127); A{{P}} is xs * xq, quantised here per sample; the dot product is exact in
 * int32, so z[j] = b[j] + s[j] * xs * sum_i q[j][i] * xq[i]. The kernel holds xq + 128 as unsigned
 * bytes (int8 x uint8 products are what vector dot-product instructions take: pmaddwd, vpdpbusd)
 * and takes 128 * sum_i q[j][i] (qsum{{L}}) back off: the same int32 sum exactly. */
static const int8_t {{NAME}}_q{{L}}[{{OUT}}][{{IN}}] = {
{{WEIGHTS}}
};
static const int32_t {{NAME}}_qsum{{L}}[{{OUT}}] = {
{{QSUM}}
};
static const float {{NAME}}_s{{L}}[{{OUT}}] = {
{{SCALES}}
};
static const float {{NAME}}_b{{L}}[{{OUT}}] = {
{{BIAS}}
};

/* A{{P}} ({{IN}}) -> A{{L}} ({{OUT}}); xu ({{IN}}) is scratch for the quantised A{{P}}, plus 128. Integer
 * sums are exact in any order, so the compiler vectorises the loop over i as it likes. */
static void {{NAME}}_layer{{L}}(const float *restrict x, float *restrict a, uint8_t *restrict xu)
{
    float xs = {{NAME}}_quantize(x, {{IN}}, xu);
    for (int j = 0; j < {{OUT}}; j++) {
        const int8_t *q = {{NAME}}_q{{L}}[j];
        int32_t acc = 0;
        for (int i = 0; i < {{IN}}; i++) acc += q[i] * xu[i];
        acc -= 128 * {{NAME}}_qsum{{L}}[j];
        a[j] = {{NAME}}_b{{L}}[j] + {{NAME}}_s{{L}}[j] * xs * (float)acc;
    }
    {{ACTIVATE}}
}
