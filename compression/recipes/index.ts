// Recipes: the zod-validated list of steps a compression job runs, and the named presets.
export {
  isPresetName,
  type PresetName,
  type PresetOptions,
  preset,
  presetNames,
  staticInt8Recipe,
} from "./presets.ts";
export {
  parseRecipe,
  type Recipe,
  RecipeError,
  type RecipeInput,
  type RecipeResult,
  type RecipeStep,
  recipeSchema,
  runRecipe,
  type StepReport,
} from "./recipe.ts";
