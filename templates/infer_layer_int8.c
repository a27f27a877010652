
/* ---- {{BANNER}}
 * Z{{L}} = W{{L}}.A{{P}} + b{{L}}, A{{L}} = {{ACT}}(Z{{L}})      W{{L}} ({{OUT}}, {{IN}}), b{{L}} ({{OUT}})
 * from layers.{{P}}.weight and layers.{{P}}.bias. Row j of W{{L}} is s{{L}}[j] * q{{L}}[j] (symmetric,
 * s = max|W[j]| / 127); A{{P}} is xs * xq, quantised here per sample; the dot product is exact in
 * int32, so z[j] = b[j] + s[j] * xs * sum_i q[j][i] * xq[i]. */
static const int8_t {{NAME}}_q{{L}}[{{OUT}}][{{IN}}] = {
{{WEIGHTS}}
};
static const float {{NAME}}_s{{L}}[{{OUT}}] = {
{{SCALES}}
};
static const float {{NAME}}_b{{L}}[{{OUT}}] = {
{{BIAS}}
};

/* A{{P}} ({{IN}}) -> A{{L}} ({{OUT}}); xq ({{IN}}) is scratch for the quantised A{{P}} */
static void {{NAME}}_layer{{L}}(const float *restrict x, float *restrict a, int8_t *restrict xq)
{
    float xs = {{NAME}}_quantize(x, {{IN}}, xq);
    for (int j = 0; j < {{OUT}}; j++) {
        const int8_t *q = {{NAME}}_q{{L}}[j];
        int32_t acc = 0;
        for (int i = 0; i < {{IN}}; i++) acc += (int32_t)q[i] * xq[i];
        a[j] = {{NAME}}_b{{L}}[j] + {{NAME}}_s{{L}}[j] * xs * (float)acc;
    }
    {{ACTIVATE}}
}
