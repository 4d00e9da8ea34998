// Public surface of the gadgets layer: the Lit components and their registration.
// The design system first: Shoelace's components, the theme and the bundled icons.
import './design/components';
import { FlApp } from './fl-app';
import { FlChannelChart } from './fl-channel-chart';
import { FlChannelList } from './fl-channel-list';
import { FlSignIn } from './fl-sign-in';
import { FlSources } from './fl-sources';
import { FlUpload } from './fl-upload';
import { FlWorkOrders } from './fl-work-orders';
import { FlWorkOrder } from './fl-work-order';
import { FlConflicts } from './fl-conflicts';
import { FlOfflineData } from './fl-offline-data';
import { FlSyncStatus } from './fl-sync-status';
import { FlAsset } from './fl-asset';
import { FlChannel } from './fl-channel';
import { FlSite } from './fl-site';
import { FlSites } from './fl-sites';
import { FlSparkline } from './fl-sparkline';
import { FlAdminAssets } from './fl-admin-assets';
import { FlAdminSites } from './fl-admin-sites';
import { FlAdminUsers } from './fl-admin-users';
import { FlAlarm } from './fl-alarm';
import { FlAlarmBadge } from './fl-alarm-badge';
import { FlAlarms } from './fl-alarms';
import { FlAlarmRules } from './fl-alarm-rules';
import { FlMyWork } from './fl-my-work';
import { FlMaintenancePlans } from './fl-maintenance-plans';
import { FlReviewCount } from './fl-review-count';
import { FlExplorer } from './fl-explorer';
import { FlExplorerAlgorithms } from './fl-explorer-algorithms';
import { FlKernelEditor } from './fl-kernel-editor';
import { FlExplorerPanel } from './fl-explorer-panel';
import { FlExplorerPicker } from './fl-explorer-picker';
import { FlExplorerAnalysis } from './fl-explorer-analysis';
import { FlExplorerSpectrogram } from './fl-explorer-spectrogram';
import { FlExplorerXy } from './fl-explorer-xy';
import { FlPredictionModels } from './fl-prediction-models';
import { FlFailureDialog } from './fl-failure-dialog';
import { FlAssetHealth } from './fl-asset-health';
import { FlDegradationChart } from './fl-degradation-chart';
import { FlFleetHealth } from './fl-fleet-health';
import { FlRulChart } from './fl-rul-chart';

export { FlAdminAssets, FlAdminSites, FlAdminUsers };
export { FlAlarm, FlAlarmBadge, FlAlarms, FlAlarmRules };
export { FlMyWork, FlReviewCount };
export { FlMaintenancePlans };
export { FlExplorer, FlExplorerPanel, FlExplorerPicker };
export type { ExplorerRangeDetail } from './fl-explorer-panel';
export { FlExplorerAnalysis, FlExplorerSpectrogram, FlExplorerXy };
export { FlExplorerAlgorithms, FlKernelEditor };
export type { SourcesViewApi } from './fl-sources';
export { FlApp, FlAsset, FlChannel, FlSite, FlSites, FlSparkline, FlChannelChart, FlChannelList, FlConflicts, FlOfflineData, FlSignIn, FlSources, FlSyncStatus, FlUpload, FlWorkOrders };
export type { WorkOrder, WorkOrderStatus } from './fl-work-orders';
export { FlWorkOrder };
export { FlFailureDialog, FlPredictionModels };
export { FlAssetHealth, FlDegradationChart, FlFleetHealth, FlRulChart };

const gadgets: Record<string, CustomElementConstructor> = {
  'fl-admin-assets': FlAdminAssets,
  'fl-admin-sites': FlAdminSites,
  'fl-admin-users': FlAdminUsers,
  'fl-alarm': FlAlarm,
  'fl-alarm-badge': FlAlarmBadge,
  'fl-alarms': FlAlarms,
  'fl-alarm-rules': FlAlarmRules,
  'fl-app': FlApp,
  'fl-asset': FlAsset,
  'fl-my-work': FlMyWork,
  'fl-maintenance-plans': FlMaintenancePlans,
  'fl-review-count': FlReviewCount,
  'fl-explorer': FlExplorer,
  'fl-explorer-algorithms': FlExplorerAlgorithms,
  'fl-kernel-editor': FlKernelEditor,
  'fl-explorer-panel': FlExplorerPanel,
  'fl-explorer-picker': FlExplorerPicker,
  'fl-explorer-analysis': FlExplorerAnalysis,
  'fl-explorer-spectrogram': FlExplorerSpectrogram,
  'fl-explorer-xy': FlExplorerXy,
  'fl-channel': FlChannel,
  'fl-site': FlSite,
  'fl-sites': FlSites,
  'fl-sparkline': FlSparkline,
  'fl-channel-chart': FlChannelChart,
  'fl-channel-list': FlChannelList,
  'fl-conflicts': FlConflicts,
  'fl-offline-data': FlOfflineData,
  'fl-sync-status': FlSyncStatus,
  'fl-sign-in': FlSignIn,
  'fl-sources': FlSources,
  'fl-upload': FlUpload,
  'fl-work-orders': FlWorkOrders,
  'fl-work-order': FlWorkOrder,
  'fl-prediction-models': FlPredictionModels,
  'fl-failure-dialog': FlFailureDialog,
  'fl-asset-health': FlAssetHealth,
  'fl-degradation-chart': FlDegradationChart,
  'fl-fleet-health': FlFleetHealth,
  'fl-rul-chart': FlRulChart,
};

/** Defines every Fieldline custom element once (safe to call twice). */
export function defineGadgets(registry: CustomElementRegistry = customElements): void {
  for (const [tag, element] of Object.entries(gadgets)) if (!registry.get(tag)) registry.define(tag, element);
}
