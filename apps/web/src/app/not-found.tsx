import { ErrorPanel } from "../components/ErrorPanel.tsx";

export default function NotFound() {
  return <ErrorPanel title="Nothing here" detail="This address is not a page of Depthroom." />;
}
