
/* ---- {{BANNER}}
 * Z{{L}} = W{{L}}.A{{P}} + b{{L}}, A{{L}} = {{ACT}}(Z{{L}})      W{{L}} ({{OUT}}, {{IN}}), b{{L}} ({{OUT}})
 * from layers.{{P}}.weight and layers.{{P}}.bias */
static const float {{NAME}}_w{{L}}[{{OUT}}][{{IN}}] = {
{{WEIGHTS}}
};
static const float {{NAME}}_b{{L}}[{{OUT}}] = {
{{BIAS}}
};

/* A{{P}} ({{IN}}) -> A{{L}} ({{OUT}}) */
static void {{NAME}}_layer{{L}}(const float *restrict x, float *restrict a)
{
    for (int j = 0; j < {{OUT}}; j++) {
        const float *w = {{NAME}}_w{{L}}[j];
        float z = {{NAME}}_b{{L}}[j];
        for (int i = 0; i < {{IN}}; i++) z += w[i] * x[i];
        a[j] = z;
    }
    {{ACTIVATE}}
}
